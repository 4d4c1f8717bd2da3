/* Subscription parsing (tag expressions) and its JSON form. */
#include "client/subscription.h"

#include "common/alloc.h"
#include "common/bytes.h"
#include "common/clock.h"
#include "common/java_hash.h"
#include "ramjet/status.h"

#include <string.h>

void
rj_subscription_destroy(rj_subscription_t *s)
{
    if (s == NULL) {
        return;
    }
    for (size_t i = 0; i < s->tag_count; i++) {
        rj_free(s->tags[i]);
    }
    rj_free(s->tags);
    rj_free(s->codes);
    rj_free(s->topic);
    rj_free(s->sub_string);
    rj_free(s->expression_type);
    rj_free(s);
}

static int
add_tag(rj_subscription_t *s, rj_bytes_t tag, size_t cap)
{
    for (size_t i = 0; i < s->tag_count; i++) {
        if (rj_bytes_eq_cstr(tag, s->tags[i])) {
            return RJ_OK;
        }
    }
    if (s->tag_count >= cap) {
        return RJ_OK;
    }
    char *copy = rj_bytes_dup(tag);
    if (copy == NULL) {
        return RJ_ENOMEM;
    }
    s->tags[s->tag_count++] = copy;
    int32_t code = rj_java_hash(tag.data, tag.len);
    for (size_t i = 0; i < s->code_count; i++) {
        if (s->codes[i] == code) {
            return RJ_OK;
        }
    }
    s->codes[s->code_count++] = code;
    return RJ_OK;
}

int
rj_subscription_create(const char *topic, const char *expression, const char *expression_type,
                       rj_subscription_t **out)
{
    rj_subscription_t *s;
    bool sql;
    int rc = RJ_ENOMEM;

    *out = NULL;
    if (topic == NULL || topic[0] == '\0') {
        return RJ_EINVAL;
    }
    if (expression_type == NULL) {
        expression_type = RJ_EXPRESSION_TAG;
    }
    sql = strcmp(expression_type, RJ_EXPRESSION_SQL92) == 0;
    if (!sql && strcmp(expression_type, RJ_EXPRESSION_TAG) != 0) {
        return RJ_EINVAL;
    }
    if (sql && (expression == NULL || rj_bytes_trim(rj_bytes_from_cstr(expression)).len == 0)) {
        return RJ_EINVAL;
    }
    s = rj_calloc(1, sizeof(*s));
    if (s == NULL) {
        return RJ_ENOMEM;
    }
    s->sub_version = rj_clock_wall_ms();
    s->topic = rj_strdup(topic);
    s->expression_type = rj_strdup(expression_type);
    if (!sql && (expression == NULL || expression[0] == '\0' || strcmp(expression, "*") == 0)) {
        s->sub_string = rj_strdup(RJ_SUB_ALL);
    } else {
        s->sub_string = rj_strdup(expression);
    }
    if (s->topic == NULL || s->expression_type == NULL || s->sub_string == NULL) {
        goto fail;
    }
    if (!sql && strcmp(s->sub_string, RJ_SUB_ALL) != 0) {
        /* At most one tag per "||" separated piece. */
        size_t cap = 1;
        for (const char *p = s->sub_string; (p = strstr(p, "||")) != NULL; p += 2) {
            cap++;
        }
        s->tags = rj_calloc(cap, sizeof(*s->tags));
        s->codes = rj_calloc(cap, sizeof(*s->codes));
        if (s->tags == NULL || s->codes == NULL) {
            goto fail;
        }
        const char *p = s->sub_string;
        for (;;) {
            const char *sep = strstr(p, "||");
            size_t len = sep != NULL ? (size_t)(sep - p) : strlen(p);
            rj_bytes_t tag = rj_bytes_trim(rj_bytes(p, len));
            if (tag.len > 0 && (rc = add_tag(s, tag, cap)) != RJ_OK) {
                goto fail;
            }
            if (sep == NULL) {
                break;
            }
            p = sep + 2;
        }
    }
    *out = s;
    return RJ_OK;
fail:
    rj_subscription_destroy(s);
    return rc;
}

bool
rj_subscription_is_all(const rj_subscription_t *s)
{
    return strcmp(s->expression_type, RJ_EXPRESSION_TAG) == 0 &&
           strcmp(s->sub_string, RJ_SUB_ALL) == 0;
}

bool
rj_subscription_accepts(const rj_subscription_t *s, const char *tag)
{
    if (s->tag_count == 0) {
        return true;
    }
    if (tag == NULL) {
        return false;
    }
    for (size_t i = 0; i < s->tag_count; i++) {
        if (strcmp(s->tags[i], tag) == 0) {
            return true;
        }
    }
    return false;
}

void
rj_subscription_write_json(const rj_subscription_t *s, rj_json_writer_t *w)
{
    rj_jw_object_begin(w);
    rj_jw_key(w, "classFilterMode");
    rj_jw_bool(w, false);
    rj_jw_key(w, "codeSet");
    rj_jw_array_begin(w);
    for (size_t i = 0; i < s->code_count; i++) {
        rj_jw_int(w, s->codes[i]);
    }
    rj_jw_array_end(w);
    rj_jw_key(w, "expressionType");
    rj_jw_string(w, s->expression_type);
    rj_jw_key(w, "subString");
    rj_jw_string(w, s->sub_string);
    rj_jw_key(w, "subVersion");
    rj_jw_int(w, s->sub_version);
    rj_jw_key(w, "tagsSet");
    rj_jw_array_begin(w);
    for (size_t i = 0; i < s->tag_count; i++) {
        rj_jw_string(w, s->tags[i]);
    }
    rj_jw_array_end(w);
    rj_jw_key(w, "topic");
    rj_jw_string(w, s->topic);
    rj_jw_object_end(w);
}
