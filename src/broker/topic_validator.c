/*
 * Topic name validation and the reserved topic sets. The added system names
 * are written once at start-up, before the I/O threads run, and only read
 * afterwards, so they need no lock.
 */
#include "broker/topic_validator.h"

#include "common/alloc.h"
#include "common/assert.h"
#include "ramjet/status.h"

#include <string.h>

static const char *const fixed_system_topics[] = {
    RJ_TOPIC_TBW102,
    RJ_TOPIC_SCHEDULE,
    RJ_TOPIC_BENCHMARK,
    RJ_TOPIC_TRANS_HALF,
    RJ_TOPIC_TRACE,
    RJ_TOPIC_TRANS_OP_HALF,
    RJ_TOPIC_TRANS_CHECK_MAX_TIME,
    RJ_TOPIC_SELF_TEST,
    RJ_TOPIC_OFFSET_MOVED_EVENT,
};

static const char *const send_forbidden_topics[] = {
    RJ_TOPIC_SCHEDULE,      RJ_TOPIC_TRANS_HALF,
    RJ_TOPIC_TRANS_OP_HALF, RJ_TOPIC_TRANS_CHECK_MAX_TIME,
    RJ_TOPIC_SELF_TEST,     RJ_TOPIC_OFFSET_MOVED_EVENT,
};

#define MAX_ADDED_SYSTEM_TOPICS 16
static char *added_system_topics[MAX_ADDED_SYSTEM_TOPICS];
static int added_count;

static bool
valid_char(uint8_t ch)
{
    return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
           ch == '%' || ch == '-' || ch == '_' || ch == '|';
}

bool
rj_topic_validator_has_illegal_chars(rj_bytes_t name)
{
    for (size_t i = 0; i < name.len; i++) {
        if (!valid_char(name.data[i])) {
            return true;
        }
    }
    return false;
}

const char *
rj_topic_validator_check(rj_bytes_t topic)
{
    if (rj_bytes_trim(topic).len == 0) {
        return "The specified topic is blank.";
    }
    if (rj_topic_validator_has_illegal_chars(topic)) {
        return "The specified topic contains illegal characters, allowing only ^[%|a-zA-Z0-9_-]+$";
    }
    if (topic.len > RJ_TOPIC_MAX_LEN) {
        return "The specified topic is longer than topic max length.";
    }
    return NULL;
}

bool
rj_topic_validator_is_system(rj_bytes_t topic)
{
    for (size_t i = 0; i < RJ_ARRAY_SIZE(fixed_system_topics); i++) {
        if (rj_bytes_eq_cstr(topic, fixed_system_topics[i])) {
            return true;
        }
    }
    for (int i = 0; i < added_count; i++) {
        if (rj_bytes_eq_cstr(topic, added_system_topics[i])) {
            return true;
        }
    }
    return rj_bytes_starts_with(topic, RJ_TOPIC_SYSTEM_PREFIX);
}

bool
rj_topic_validator_is_send_forbidden(rj_bytes_t topic)
{
    for (size_t i = 0; i < RJ_ARRAY_SIZE(send_forbidden_topics); i++) {
        if (rj_bytes_eq_cstr(topic, send_forbidden_topics[i])) {
            return true;
        }
    }
    return false;
}

int
rj_topic_validator_add_system(const char *topic)
{
    for (int i = 0; i < added_count; i++) {
        if (strcmp(added_system_topics[i], topic) == 0) {
            return 0;
        }
    }
    if (added_count == MAX_ADDED_SYSTEM_TOPICS) {
        return RJ_ETOOLARGE;
    }
    char *copy = rj_strdup(topic);
    if (copy == NULL) {
        return RJ_ENOMEM;
    }
    added_system_topics[added_count++] = copy;
    return 0;
}

void
rj_topic_validator_reset(void)
{
    for (int i = 0; i < added_count; i++) {
        rj_free(added_system_topics[i]);
        added_system_topics[i] = NULL;
    }
    added_count = 0;
}

const char *
rj_topic_validator_system_at(int index)
{
    int fixed = (int)RJ_ARRAY_SIZE(fixed_system_topics);
    if (index < 0) {
        return NULL;
    }
    if (index < fixed) {
        return fixed_system_topics[index];
    }
    index -= fixed;
    return index < added_count ? added_system_topics[index] : NULL;
}
