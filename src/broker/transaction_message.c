/*
 * Transactional-message helpers: property rewrites, op records, the check
 * bookkeeping of TransactionalMessageServiceImpl and the check body.
 */
#include "broker/transaction_message.h"

#include "common/message_properties.h"
#include "ramjet/status.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool
drop_key(rj_bytes_t key, void *arg)
{
    return rj_bytes_eq_cstr(key, arg);
}

int
rj_transaction_props_set(rj_bytes_t props, const char *key, rj_bytes_t value, rj_buf_t *out)
{
    int rc = rj_message_properties_rewrite(props, drop_key, (void *)key, out);
    if (rc == 0) {
        rc = rj_message_properties_append(out, rj_bytes_from_cstr(key), value);
    }
    return rc;
}

int
rj_transaction_props_set_i64(rj_bytes_t props, const char *key, int64_t value, rj_buf_t *out)
{
    char text[24];
    int n = snprintf(text, sizeof(text), "%lld", (long long)value);
    return rj_transaction_props_set(props, key, rj_bytes(text, (size_t)n), out);
}

int
rj_transaction_op_properties(rj_buf_t *out)
{
    int rc = rj_message_properties_append_cstr(out, RJ_PROP_WAIT_STORE_MSG_OK, "true");
    if (rc == 0) {
        rc = rj_message_properties_append_cstr(out, RJ_PROP_TAGS, RJ_TRANSACTION_REMOVE_TAG);
    }
    return rc;
}

int64_t
rj_transaction_op_half_offset(rj_bytes_t body)
{
    int64_t v;
    return rj_bytes_parse_i64(body, &v) == 0 ? v : -1;
}

static int
cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

int64_t
rj_transaction_next_op_offset(int64_t *done, size_t n, int64_t old)
{
    if (n > 0) {
        qsort(done, n, sizeof(*done), cmp_i64);
    }
    int64_t next = old;
    for (size_t i = 0; i < n; i++) {
        if (done[i] != next) {
            break;
        }
        next++;
    }
    return next;
}

bool
rj_transaction_need_discard(rj_bytes_t props, int32_t check_max, int32_t *next_times)
{
    rj_bytes_t v;
    int32_t times = 1;
    if (rj_message_properties_get(props, RJ_PROP_TRANSACTION_CHECK_TIMES, &v)) {
        if (rj_bytes_parse_i32(v, &times) != 0) {
            times = -1;
        }
        if (times >= check_max) {
            return true;
        }
        times++;
    }
    *next_times = times;
    return false;
}

int64_t
rj_transaction_immunity_ms(rj_bytes_t props, int64_t timeout_ms, bool *has)
{
    rj_bytes_t v;
    *has = rj_message_properties_get(props, RJ_PROP_CHECK_IMMUNITY_TIME_IN_SECONDS, &v);
    if (!*has) {
        return timeout_ms;
    }
    int64_t secs;
    if (rj_bytes_parse_i64(v, &secs) != 0 || secs == -1) {
        return timeout_ms;
    }
    /* Java multiplies a long by 1000 with wrap-around; clamp instead of overflowing. */
    if (secs > INT64_MAX / 1000) {
        return INT64_MAX;
    }
    if (secs < INT64_MIN / 1000) {
        return INT64_MIN;
    }
    return secs * 1000;
}

bool
rj_transaction_prepared_queue_offset(rj_bytes_t props, int64_t *out)
{
    rj_bytes_t v;
    if (!rj_message_properties_get(props, RJ_PROP_TRANSACTION_PREPARED_QUEUE_OFFSET, &v)) {
        return false;
    }
    if (rj_bytes_parse_i64(v, out) != 0) {
        *out = -1;
    }
    return true;
}

int
rj_transaction_encode_check_body(const rj_message_record_t *rec, rj_bytes_t props, rj_buf_t *out)
{
    rj_bytes_t real_topic, real_qid;
    int32_t qid;
    if (!rj_message_properties_get(rec->properties, RJ_PROP_REAL_TOPIC, &real_topic) ||
        !rj_message_properties_get(rec->properties, RJ_PROP_REAL_QUEUE_ID, &real_qid) ||
        rj_bytes_parse_i32(real_qid, &qid) != 0) {
        return RJ_EINVAL;
    }
    rj_message_record_t r = *rec;
    r.topic = real_topic;
    r.queue_id = qid;
    r.properties = props;
    r.magic = RJ_MSG_MAGIC_V1;
    size_t len =
        rj_message_record_length(r.sys_flag, r.body.len, r.topic.len, r.properties.len, false);
    int rc = rj_buf_reserve(out, len);
    if (rc != 0) {
        return rc;
    }
    int n = rj_message_record_encode(&r, out->data + out->len, len);
    if (n < 0) {
        return n;
    }
    out->len += (size_t)n;
    return 0;
}
