/* Name and message checks with Java's limits and error texts. */
#include "client/validators.h"

#include "client/last_error.h"
#include "ramjet/status.h"

#include <ctype.h>
#include <string.h>

static const char *const not_allowed_send_topics[] = {
    "SCHEDULE_TOPIC_XXXX",        "RMQ_SYS_TRANS_HALF_TOPIC", "RMQ_SYS_TRANS_OP_HALF_TOPIC",
    "TRANS_CHECK_MAX_TIME_TOPIC", "SELF_TEST_TOPIC",          "OFFSET_MOVED_EVENT",
};

bool
rj_validators_legal_chars(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
        unsigned char c = *p;
        if (!(isascii(c) && (isalnum(c) || c == '%' || c == '|' || c == '_' || c == '-'))) {
            return false;
        }
    }
    return true;
}

static bool
is_blank(const char *s)
{
    if (s == NULL) {
        return true;
    }
    for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
        if (!isspace(*p)) {
            return false;
        }
    }
    return true;
}

int
rj_validators_check_topic(const char *topic)
{
    if (is_blank(topic)) {
        return rj_client_fail(RJ_EINVAL, "The specified topic is blank");
    }
    if (strlen(topic) > RJ_TOPIC_MAX_LEN) {
        return rj_client_fail(RJ_EINVAL, "The specified topic is longer than topic max length %d.",
                              RJ_TOPIC_MAX_LEN);
    }
    if (!rj_validators_legal_chars(topic)) {
        return rj_client_fail(RJ_EINVAL,
                              "The specified topic[%.*s] contains illegal characters, allowing "
                              "only ^[%%|a-zA-Z0-9_-]+$",
                              RJ_TOPIC_MAX_LEN, topic);
    }
    return RJ_OK;
}

int
rj_validators_check_group(const char *group)
{
    if (is_blank(group)) {
        return rj_client_fail(RJ_EINVAL, "the specified group is blank");
    }
    if (strlen(group) > RJ_GROUP_MAX_LEN) {
        return rj_client_fail(RJ_EINVAL, "the specified group is longer than group max length %d.",
                              RJ_GROUP_MAX_LEN);
    }
    if (!rj_validators_legal_chars(group)) {
        return rj_client_fail(RJ_EINVAL,
                              "the specified group[%.*s] contains illegal characters, allowing "
                              "only ^[%%|a-zA-Z0-9_-]+$",
                              RJ_GROUP_MAX_LEN, group);
    }
    return RJ_OK;
}

bool
rj_validators_is_not_allowed_send_topic(const char *topic)
{
    for (size_t i = 0; i < sizeof(not_allowed_send_topics) / sizeof(not_allowed_send_topics[0]);
         i++) {
        if (strcmp(topic, not_allowed_send_topics[i]) == 0) {
            return true;
        }
    }
    return false;
}

int
rj_validators_check_send_topic(const char *topic)
{
    int rc = rj_validators_check_topic(topic);
    if (rc != RJ_OK) {
        return rc;
    }
    if (rj_validators_is_not_allowed_send_topic(topic)) {
        return rj_client_fail(RJ_EINVAL, "Sending message to topic[%s] is forbidden.", topic);
    }
    return RJ_OK;
}

int
rj_validators_check_body(size_t body_len, bool has_body, size_t max_size)
{
    if (!has_body) {
        return rj_client_fail(RJ_EINVAL, "the message body is null");
    }
    if (body_len == 0) {
        return rj_client_fail(RJ_EINVAL, "the message body length is zero");
    }
    if (body_len > max_size) {
        return rj_client_fail(RJ_EINVAL, "the message body size over max value, MAX: %zu",
                              max_size);
    }
    return RJ_OK;
}
