/*
 * Client-side checks of names and messages before anything goes on the wire
 * (Java Validators / TopicValidator): same limits and same texts, so an
 * application sees the error RocketMQ users know.
 */
#ifndef RJ_CLIENT_VALIDATORS_H
#define RJ_CLIENT_VALIDATORS_H

#include <stdbool.h>
#include <stddef.h>

#define RJ_TOPIC_MAX_LEN 127
#define RJ_GROUP_MAX_LEN 255

#define RJ_AUTO_CREATE_TOPIC_KEY "TBW102"
#define RJ_RETRY_GROUP_TOPIC_PREFIX "%RETRY%"
#define RJ_DLQ_GROUP_TOPIC_PREFIX "%DLQ%"

/* True if `s` uses only [%|a-zA-Z0-9_-]. */
bool rj_validators_legal_chars(const char *s);

/* RJ_OK or RJ_EINVAL with the Java text recorded in rj_last_error(). NULL is blank. */
int rj_validators_check_topic(const char *topic);
int rj_validators_check_group(const char *group);

/* Topics a client may not send to (schedule, transaction and other system topics). */
bool rj_validators_is_not_allowed_send_topic(const char *topic);

/* Topic check + not-allowed check for sending. */
int rj_validators_check_send_topic(const char *topic);

/* Body checks: present, non-empty, at most max_size. */
int rj_validators_check_body(size_t body_len, bool has_body, size_t max_size);

#endif
