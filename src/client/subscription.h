/*
 * Subscription data of a consumer (Java SubscriptionData, built as
 * FilterAPI.buildSubscriptionData): the topic, the expression, its type, the
 * tag set and the tag hash codes the broker filters on, and the version
 * (creation time) that pull requests and heartbeats carry.
 */
#ifndef RJ_CLIENT_SUBSCRIPTION_H
#define RJ_CLIENT_SUBSCRIPTION_H

#include "common/json_writer.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RJ_EXPRESSION_TAG "TAG"
#define RJ_EXPRESSION_SQL92 "SQL92"
#define RJ_SUB_ALL "*"

typedef struct {
    char *topic;
    char *sub_string;      /* "*" for all */
    char *expression_type; /* RJ_EXPRESSION_TAG or RJ_EXPRESSION_SQL92 */
    int64_t sub_version;
    char **tags; /* distinct, trimmed */
    size_t tag_count;
    int32_t *codes; /* distinct javaHash of the tags */
    size_t code_count;
} rj_subscription_t;

/*
 * Builds a subscription. `expression_type` NULL means TAG. TAG expressions:
 * NULL, "" or "*" subscribe all; else tags split on "||" and trimmed (an
 * expression with no tag left subscribes nothing, like Java). SQL92: the
 * expression must be non-empty and is kept as-is. Returns RJ_OK, RJ_EINVAL or
 * RJ_ENOMEM.
 */
int rj_subscription_create(const char *topic, const char *expression, const char *expression_type,
                           rj_subscription_t **out);

void rj_subscription_destroy(rj_subscription_t *s);

/* True for a TAG subscription of everything. */
bool rj_subscription_is_all(const rj_subscription_t *s);

/*
 * Client-side re-filter after a pull (Java PullAPIWrapper): with a non-empty
 * tag set, keep only messages whose tag is in it (untagged ones are dropped).
 */
bool rj_subscription_accepts(const rj_subscription_t *s, const char *tag);

/* Writes the SubscriptionData JSON object (heartbeat / running info). */
void rj_subscription_write_json(const rj_subscription_t *s, rj_json_writer_t *w);

#endif
