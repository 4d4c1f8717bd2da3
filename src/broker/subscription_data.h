/*
 * A consumer's subscription to one topic (RocketMQ's SubscriptionData) as the
 * broker keeps it: the expression, its tag set and the tag hash codes the
 * consume-queue filter compares against (features.md §4).
 *
 * Objects are immutable once built and reference counted: the consumer table
 * swaps in a new object when a heartbeat brings a newer version, while pulls
 * (possibly parked for long polling) keep using the one they retained.
 *
 * Thread: any; retain/release are atomic.
 */
#ifndef RJ_BROKER_SUBSCRIPTION_DATA_H
#define RJ_BROKER_SUBSCRIPTION_DATA_H

#include "common/bytes.h"
#include "common/json_writer.h"

#include <jansson.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

typedef enum {
    RJ_EXPRESSION_TAG = 0,   /* "TAG" (also when absent) */
    RJ_EXPRESSION_SQL92 = 1, /* "SQL92" */
} rj_expression_type_t;

typedef struct rj_subscription {
    atomic_int refs;
    int64_t sub_version;
    rj_expression_type_t expression_type;
    bool class_filter_mode;
    bool match_all; /* subString "*" */
    char *topic;
    char *sub_string;
    char **tags; /* tagsSet, in the order given */
    int32_t ntags;
    int32_t *codes; /* codeSet, sorted ascending for the filter's binary search */
    int32_t ncodes;
    bool one_block; /* everything lives in the struct's own allocation */
} rj_subscription_t;

/*
 * FilterAPI.build: `expression` null/empty/"*" subscribes to everything; else
 * it is split on "||", each tag trimmed, empty ones dropped, and the Java
 * hash of each kept tag goes into the code set. `expression_type` NULL = TAG;
 * unknown types return RJ_EINVAL. sub_version = now. Returns 0 or RJ_ENOMEM.
 */
int rj_subscription_data_build(rj_bytes_t topic, rj_bytes_t expression, rj_bytes_t expression_type,
                               rj_subscription_t **out);

/*
 * A SubscriptionData object of a heartbeat body. The client's codeSet is
 * taken as sent (Java does the same); missing fields take Java's defaults.
 * Returns 0, RJ_EMALFORMED (no topic) or RJ_ENOMEM.
 */
int rj_subscription_data_from_json(const json_t *obj, rj_subscription_t **out);

void rj_subscription_data_retain(rj_subscription_t *s);
/* NULL is a no-op. */
void rj_subscription_data_release(rj_subscription_t *s);

/*
 * ExpressionMessageFilter.isMatchedByConsumeQueue: match-all, class-filter
 * and SQL92 subscriptions (evaluated on the record instead) take everything,
 * otherwise the consume-queue tagsCode (as int) must be in the code set.
 */
bool rj_subscription_data_match_tags_code(const rj_subscription_t *s, int64_t tags_code);

/* Writes the SubscriptionData JSON object (Java field names, alphabetical). */
void rj_subscription_data_write(const rj_subscription_t *s, rj_json_writer_t *w);

#endif
