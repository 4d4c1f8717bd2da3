/*
 * rj_message_t: building (OWNED) and reading (both kinds). Property order is
 * insertion order; setting an existing key replaces its value in place.
 */
#include "client/message_internal.h"

#include "common/alloc.h"
#include "common/bytes.h"
#include "common/message_properties.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static bool
is_owned(const rj_message_t *msg)
{
    return msg != NULL && msg->kind == RJ_MESSAGE_OWNED;
}

static void
free_body(rj_message_t *msg)
{
    rj_free(msg->body_heap);
    msg->body_heap = NULL;
    msg->body = NULL;
    msg->body_len = 0;
    msg->body_borrowed = false;
}

int
rj_message_create(const char *topic, rj_message_t **out)
{
    rj_message_t *msg;

    if (out == NULL) {
        return RJ_EINVAL;
    }
    *out = NULL;
    msg = rj_calloc(1, sizeof(*msg));
    if (msg == NULL) {
        return RJ_ENOMEM;
    }
    msg->kind = RJ_MESSAGE_OWNED;
    msg->queue_id = -1;
    msg->queue_offset = -1;
    msg->commitlog_offset = -1;
    if (topic != NULL && (msg->topic = rj_strdup(topic)) == NULL) {
        rj_free(msg);
        return RJ_ENOMEM;
    }
    /* Java's Message constructor sets WAIT=true. */
    int rc = rj_message_set_property(msg, RJ_PROP_WAIT_STORE_MSG_OK, "true");
    if (rc != RJ_OK) {
        rj_message_destroy(msg);
        return rc;
    }
    *out = msg;
    return RJ_OK;
}

void
rj_message_destroy(rj_message_t *msg)
{
    if (!is_owned(msg)) {
        return;
    }
    for (uint32_t i = 0; i < msg->prop_count; i++) {
        rj_free((char *)msg->props[i].key);
        rj_free((char *)msg->props[i].value);
    }
    rj_free(msg->props);
    free_body(msg);
    rj_free(msg->topic);
    rj_free(msg);
}

int
rj_message_set_topic(rj_message_t *msg, const char *topic)
{
    if (!is_owned(msg) || topic == NULL) {
        return RJ_EINVAL;
    }
    char *copy = rj_strdup(topic);
    if (copy == NULL) {
        return RJ_ENOMEM;
    }
    rj_free(msg->topic);
    msg->topic = copy;
    return RJ_OK;
}

int
rj_message_set_body(rj_message_t *msg, const void *body, size_t len)
{
    if (!is_owned(msg) || (body == NULL && len > 0)) {
        return RJ_EINVAL;
    }
    uint8_t *copy = rj_malloc(len > 0 ? len : 1);
    if (copy == NULL) {
        return RJ_ENOMEM;
    }
    if (len > 0) {
        memcpy(copy, body, len);
    }
    free_body(msg);
    msg->body_heap = copy;
    msg->body = copy;
    msg->body_len = len;
    return RJ_OK;
}

int
rj_message_set_body_ref(rj_message_t *msg, const void *body, size_t len)
{
    if (!is_owned(msg) || (body == NULL && len > 0)) {
        return RJ_EINVAL;
    }
    free_body(msg);
    msg->body = body;
    msg->body_len = len;
    msg->body_borrowed = true;
    return RJ_OK;
}

static bool
valid_prop_text(const char *s)
{
    if (s == NULL || s[0] == '\0') {
        return false;
    }
    for (const char *p = s; *p != '\0'; p++) {
        if (*p == RJ_PROP_NAME_VALUE_SEPARATOR || *p == RJ_PROP_SEPARATOR) {
            return false;
        }
    }
    return true;
}

int
rj_message_set_property(rj_message_t *msg, const char *key, const char *value)
{
    if (!is_owned(msg) || !valid_prop_text(key) || (value != NULL && !valid_prop_text(value))) {
        return RJ_EINVAL;
    }
    for (uint32_t i = 0; i < msg->prop_count; i++) {
        if (strcmp(msg->props[i].key, key) != 0) {
            continue;
        }
        if (value == NULL) {
            rj_free((char *)msg->props[i].key);
            rj_free((char *)msg->props[i].value);
            memmove(&msg->props[i], &msg->props[i + 1],
                    (msg->prop_count - i - 1) * sizeof(msg->props[0]));
            msg->prop_count--;
            return RJ_OK;
        }
        char *v = rj_strdup(value);
        if (v == NULL) {
            return RJ_ENOMEM;
        }
        rj_free((char *)msg->props[i].value);
        msg->props[i].value = v;
        return RJ_OK;
    }
    if (value == NULL) {
        return RJ_OK;
    }
    if (msg->prop_count == msg->prop_cap) {
        uint32_t ncap = msg->prop_cap == 0 ? 8 : msg->prop_cap * 2;
        rj_message_prop_t *n = rj_realloc(msg->props, ncap * sizeof(*n));
        if (n == NULL) {
            return RJ_ENOMEM;
        }
        msg->props = n;
        msg->prop_cap = ncap;
    }
    char *k = rj_strdup(key);
    char *v = rj_strdup(value);
    if (k == NULL || v == NULL) {
        rj_free(k);
        rj_free(v);
        return RJ_ENOMEM;
    }
    msg->props[msg->prop_count].key = k;
    msg->props[msg->prop_count].value = v;
    msg->prop_count++;
    return RJ_OK;
}

int
rj_message_set_tags(rj_message_t *msg, const char *tags)
{
    return rj_message_set_property(msg, RJ_PROP_TAGS, tags);
}

int
rj_message_set_keys(rj_message_t *msg, const char *keys)
{
    return rj_message_set_property(msg, RJ_PROP_KEYS, keys);
}

static int
set_i64_property(rj_message_t *msg, const char *key, int64_t value)
{
    char text[24];

    snprintf(text, sizeof(text), "%" PRId64, value);
    return rj_message_set_property(msg, key, text);
}

int
rj_message_set_delay_level(rj_message_t *msg, int level)
{
    if (!is_owned(msg) || level < 0) {
        return RJ_EINVAL;
    }
    if (level == 0) {
        return rj_message_set_property(msg, RJ_PROP_DELAY_TIME_LEVEL, NULL);
    }
    return set_i64_property(msg, RJ_PROP_DELAY_TIME_LEVEL, level);
}

int
rj_message_set_deliver_time_ms(rj_message_t *msg, int64_t epoch_ms)
{
    if (!is_owned(msg) || epoch_ms <= 0) {
        return RJ_EINVAL;
    }
    return set_i64_property(msg, RJ_PROPERTY_TIMER_DELIVER_MS, epoch_ms);
}

int
rj_message_set_delay_time_ms(rj_message_t *msg, int64_t delay_ms)
{
    if (!is_owned(msg) || delay_ms <= 0) {
        return RJ_EINVAL;
    }
    return set_i64_property(msg, RJ_PROPERTY_TIMER_DELAY_MS, delay_ms);
}

int
rj_message_set_delay_time_sec(rj_message_t *msg, int64_t delay_sec)
{
    if (!is_owned(msg) || delay_sec <= 0) {
        return RJ_EINVAL;
    }
    return set_i64_property(msg, RJ_PROPERTY_TIMER_DELAY_SEC, delay_sec);
}

int
rj_message_set_flag(rj_message_t *msg, int32_t flag)
{
    if (!is_owned(msg)) {
        return RJ_EINVAL;
    }
    msg->flag = flag;
    return RJ_OK;
}

int
rj_message_set_wait_store_ok(rj_message_t *msg, bool wait)
{
    return rj_message_set_property(msg, RJ_PROP_WAIT_STORE_MSG_OK, wait ? "true" : "false");
}

/* ------------------------------------------------------------------ reading */

const char *
rj_message_prop_get(const rj_message_t *msg, const char *key)
{
    if (msg == NULL || key == NULL) {
        return NULL;
    }
    for (uint32_t i = msg->prop_count; i-- > 0;) {
        if (strcmp(msg->props[i].key, key) == 0) {
            return msg->props[i].value;
        }
    }
    return NULL;
}

const char *
rj_message_topic(const rj_message_t *msg)
{
    return msg != NULL ? msg->topic : NULL;
}

const void *
rj_message_body(const rj_message_t *msg, size_t *len)
{
    if (msg == NULL) {
        if (len != NULL) {
            *len = 0;
        }
        return NULL;
    }
    if (len != NULL) {
        *len = msg->body_len;
    }
    return msg->body;
}

const char *
rj_message_tags(const rj_message_t *msg)
{
    return rj_message_prop_get(msg, RJ_PROP_TAGS);
}

const char *
rj_message_keys(const rj_message_t *msg)
{
    return rj_message_prop_get(msg, RJ_PROP_KEYS);
}

const char *
rj_message_property(const rj_message_t *msg, const char *key)
{
    return rj_message_prop_get(msg, key);
}

size_t
rj_message_property_count(const rj_message_t *msg)
{
    return msg != NULL ? msg->prop_count : 0;
}

int
rj_message_property_at(const rj_message_t *msg, size_t i, const char **key, const char **value)
{
    if (msg == NULL || i >= msg->prop_count || key == NULL || value == NULL) {
        return RJ_EINVAL;
    }
    *key = msg->props[i].key;
    *value = msg->props[i].value;
    return RJ_OK;
}

int32_t
rj_message_flag(const rj_message_t *msg)
{
    return msg != NULL ? msg->flag : 0;
}

int
rj_message_delay_level(const rj_message_t *msg)
{
    const char *v = rj_message_prop_get(msg, RJ_PROP_DELAY_TIME_LEVEL);
    int32_t level = 0;

    if (v == NULL || rj_bytes_parse_i32(rj_bytes_from_cstr(v), &level) != 0 || level < 0) {
        return 0;
    }
    return level;
}

static bool
is_received(const rj_message_t *msg)
{
    return msg != NULL && msg->kind == RJ_MESSAGE_RECEIVED;
}

const char *
rj_message_msg_id(const rj_message_t *msg)
{
    return is_received(msg) ? msg->msg_id : NULL;
}

const char *
rj_message_offset_msg_id(const rj_message_t *msg)
{
    return is_received(msg) ? msg->offset_msg_id : NULL;
}

const char *
rj_message_broker_name(const rj_message_t *msg)
{
    return is_received(msg) ? msg->broker_name : NULL;
}

const char *
rj_message_transaction_id(const rj_message_t *msg)
{
    return is_received(msg) ? msg->transaction_id : NULL;
}

#define RECEIVED_GETTER(type, name, field, none)       \
    type rj_message_##name(const rj_message_t *msg)    \
    {                                                  \
        return is_received(msg) ? msg->field : (none); \
    }

RECEIVED_GETTER(int32_t, queue_id, queue_id, -1)
RECEIVED_GETTER(int64_t, queue_offset, queue_offset, -1)
RECEIVED_GETTER(int64_t, commitlog_offset, commitlog_offset, -1)
RECEIVED_GETTER(int64_t, born_timestamp, born_timestamp, 0)
RECEIVED_GETTER(int64_t, store_timestamp, store_timestamp, 0)
RECEIVED_GETTER(int32_t, reconsume_times, reconsume_times, 0)
RECEIVED_GETTER(int32_t, sys_flag, sys_flag, 0)
RECEIVED_GETTER(int32_t, body_crc, body_crc, 0)
RECEIVED_GETTER(int32_t, store_size, store_size, 0)
RECEIVED_GETTER(int64_t, prepared_transaction_offset, prepared_transaction_offset, 0)

static int
format_host(const rj_message_t *msg, const rj_msg_host_t *h, char *buf, size_t size)
{
    char text[80];

    if (!is_received(msg) || buf == NULL || size == 0) {
        return RJ_EINVAL;
    }
    size_t n = rj_msg_host_format(h, text, sizeof(text));
    if (n + 1 > size) {
        return RJ_ETOOLARGE;
    }
    memcpy(buf, text, n + 1);
    return RJ_OK;
}

int
rj_message_born_host(const rj_message_t *msg, char *buf, size_t size)
{
    return format_host(msg, msg != NULL ? &msg->born_host : NULL, buf, size);
}

int
rj_message_store_host(const rj_message_t *msg, char *buf, size_t size)
{
    return format_host(msg, msg != NULL ? &msg->store_host : NULL, buf, size);
}
