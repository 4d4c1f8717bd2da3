/* Send-side message encoding: properties, compression, batch bodies. */
#include "client/message_encode.h"

#include "client/last_error.h"
#include "client/validators.h"
#include "common/alloc.h"
#include "common/message_properties.h"
#include "ramjet/status.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <zlib.h>

void
rj_prop_buf_init(rj_prop_buf_t *b)
{
    b->data = b->inline_buf;
    b->len = 0;
    b->cap = sizeof(b->inline_buf);
}

void
rj_prop_buf_cleanup(rj_prop_buf_t *b)
{
    if (b->data != b->inline_buf) {
        rj_free(b->data);
    }
    rj_prop_buf_init(b);
}

rj_bytes_t
rj_prop_buf_view(const rj_prop_buf_t *b)
{
    return rj_bytes(b->data, b->len);
}

static int
prop_buf_put(rj_prop_buf_t *b, const char *text, size_t n)
{
    if (b->len + n > b->cap) {
        size_t ncap = b->cap * 2;
        while (ncap < b->len + n) {
            ncap *= 2;
        }
        char *d = rj_malloc(ncap);
        if (d == NULL) {
            return RJ_ENOMEM;
        }
        memcpy(d, b->data, b->len);
        if (b->data != b->inline_buf) {
            rj_free(b->data);
        }
        b->data = d;
        b->cap = ncap;
    }
    memcpy(b->data + b->len, text, n);
    b->len += n;
    return RJ_OK;
}

static int
prop_buf_entry(rj_prop_buf_t *b, const char *key, const char *value)
{
    static const char sep = RJ_PROP_SEPARATOR, kv = RJ_PROP_NAME_VALUE_SEPARATOR;
    int rc = RJ_OK;

    if (b->len > 0) {
        rc |= prop_buf_put(b, &sep, 1);
    }
    rc |= prop_buf_put(b, key, strlen(key));
    rc |= prop_buf_put(b, &kv, 1);
    rc |= prop_buf_put(b, value, strlen(value));
    return rc == RJ_OK ? RJ_OK : RJ_ENOMEM;
}

static int32_t
parse_i32_or(const char *v, int32_t def)
{
    int32_t n;
    return v != NULL && rj_bytes_parse_i32(rj_bytes_from_cstr(v), &n) == 0 ? n : def;
}

int
rj_message_encode_properties(const rj_message_t *msg, const rj_encode_opts_t *opts,
                             rj_prop_buf_t *out, rj_encode_info_t *info)
{
    int rc = RJ_OK;

    info->uniq_key[0] = '\0';
    info->msg_id = NULL;
    info->reconsume_times = 0;
    info->max_reconsume_times = -1;
    for (uint32_t i = 0; i < msg->prop_count && rc == RJ_OK; i++) {
        const char *k = msg->props[i].key, *v = msg->props[i].value;
        if (opts->retry_topic && strcmp(k, RJ_PROP_RECONSUME_TIME) == 0) {
            info->reconsume_times = parse_i32_or(v, 0);
            continue;
        }
        if (opts->retry_topic && strcmp(k, RJ_PROP_MAX_RECONSUME_TIMES) == 0) {
            info->max_reconsume_times = parse_i32_or(v, -1);
            continue;
        }
        if (opts->transaction && (strcmp(k, RJ_PROP_DELAY_TIME_LEVEL) == 0 ||
                                  strcmp(k, RJ_PROP_TRANSACTION_PREPARED) == 0 ||
                                  strcmp(k, RJ_PROP_PRODUCER_GROUP) == 0)) {
            continue;
        }
        if (strcmp(k, RJ_PROP_UNIQ_CLIENT_MESSAGE_ID_KEYIDX) == 0) {
            info->msg_id = v;
        }
        rc = prop_buf_entry(out, k, v);
    }
    if (rc == RJ_OK && info->msg_id == NULL) {
        rj_uniq_key_create(info->uniq_key);
        info->msg_id = info->uniq_key;
        rc = prop_buf_entry(out, RJ_PROP_UNIQ_CLIENT_MESSAGE_ID_KEYIDX, info->uniq_key);
    }
    if (rc == RJ_OK && opts->transaction) {
        rc = prop_buf_entry(out, RJ_PROP_TRANSACTION_PREPARED, "true");
        if (rc == RJ_OK) {
            rc = prop_buf_entry(out, RJ_PROP_PRODUCER_GROUP, opts->producer_group);
        }
    }
    if (rc != RJ_OK) {
        return RJ_ENOMEM;
    }
    if (out->len > RJ_MSG_PROPERTIES_MAX) {
        return rj_client_fail(RJ_EINVAL, "the message properties length %zu exceeds %d bytes",
                              out->len, RJ_MSG_PROPERTIES_MAX);
    }
    return RJ_OK;
}

int
rj_message_compress(const void *body, size_t len, int level, uint8_t **out, size_t *out_len)
{
    uLongf cap = compressBound((uLong)len);
    uint8_t *buf = rj_malloc(cap);

    *out = NULL;
    *out_len = 0;
    if (buf == NULL) {
        return RJ_ENOMEM;
    }
    if (compress2(buf, &cap, body, (uLong)len, level) != Z_OK) {
        rj_free(buf);
        return RJ_EIO;
    }
    *out = buf;
    *out_len = cap;
    return RJ_OK;
}

int
rj_message_encode_batch(const rj_message_t *const *msgs, size_t count, rj_buf_t *body,
                        rj_buf_t *ids)
{
    rj_encode_opts_t opts = {0};
    const char *topic;
    const char *wait0;
    int rc = RJ_OK;

    if (count == 0 || msgs[0] == NULL || msgs[0]->topic == NULL) {
        return rj_client_fail(RJ_EINVAL, "a batch needs at least one message with a topic");
    }
    topic = msgs[0]->topic;
    wait0 = rj_message_prop_get(msgs[0], RJ_PROP_WAIT_STORE_MSG_OK);
    for (size_t i = 0; i < count; i++) {
        const rj_message_t *m = msgs[i];
        rj_prop_buf_t props;
        rj_encode_info_t info;

        if (m == NULL || m->kind != RJ_MESSAGE_OWNED) {
            return rj_client_fail(RJ_EINVAL, "batch message %zu is NULL", i);
        }
        if (m->topic == NULL || strcmp(m->topic, topic) != 0) {
            return rj_client_fail(RJ_EINVAL, "The topic of the messages in one batch should be "
                                             "the same");
        }
        if (rj_message_delay_level(m) > 0) {
            return rj_client_fail(RJ_EINVAL, "TimeDelayLevel is not supported for batching");
        }
        if (strncmp(topic, RJ_RETRY_GROUP_TOPIC_PREFIX, strlen(RJ_RETRY_GROUP_TOPIC_PREFIX)) == 0) {
            return rj_client_fail(RJ_EINVAL, "Retry Group is not supported for batching");
        }
        const char *w = rj_message_prop_get(m, RJ_PROP_WAIT_STORE_MSG_OK);
        if ((w == NULL) != (wait0 == NULL) || (w != NULL && strcmp(w, wait0) != 0)) {
            return rj_client_fail(RJ_EINVAL, "The waitStoreMsgOK of the messages in one batch "
                                             "should the same");
        }
        if (m->body == NULL || m->body_len == 0) {
            return rj_client_fail(RJ_EINVAL, "the message body length is zero (batch message %zu)",
                                  i);
        }
        rj_prop_buf_init(&props);
        rc = rj_message_encode_properties(m, &opts, &props, &info);
        if (rc == RJ_OK) {
            size_t need = RJ_MSG_BATCH_ITEM_FIXED_LEN + m->body_len + props.len;
            rc = rj_buf_reserve(body, need);
            if (rc == RJ_OK) {
                int n = rj_message_batch_item_encode(m->flag, rj_bytes(m->body, m->body_len),
                                                     rj_prop_buf_view(&props),
                                                     body->data + body->len, need);
                if (n < 0) {
                    rc = n;
                } else {
                    body->len += (size_t)n;
                }
            }
        }
        if (rc == RJ_OK && i > 0) {
            rc = rj_buf_append(ids, ",", 1);
        }
        if (rc == RJ_OK) {
            rc = rj_buf_append_cstr(ids, info.msg_id);
        }
        rj_prop_buf_cleanup(&props);
        if (rc != RJ_OK) {
            return rc;
        }
    }
    return rj_buf_terminate(ids);
}
