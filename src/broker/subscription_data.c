/*
 * SubscriptionData construction (from a pull's expression or a heartbeat),
 * the consume-queue tag filter and the JSON form.
 */
#include "broker/subscription_data.h"

#include "common/alloc.h"
#include "common/clock.h"
#include "common/java_hash.h"
#include "common/json.h"
#include "ramjet/status.h"

#include <stdlib.h>
#include <string.h>

static int
cmp_i32(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return x < y ? -1 : x > y;
}

static rj_subscription_t *
alloc_sub(rj_bytes_t topic, rj_bytes_t sub_string, int32_t max_items)
{
    rj_subscription_t *s = rj_calloc(1, sizeof(*s));
    if (s == NULL) {
        return NULL;
    }
    atomic_init(&s->refs, 1);
    s->topic = rj_bytes_dup(topic);
    s->sub_string = rj_bytes_dup(sub_string);
    if (max_items > 0) {
        s->tags = rj_calloc((size_t)max_items, sizeof(char *));
        s->codes = rj_calloc((size_t)max_items, sizeof(int32_t));
    }
    if (s->topic == NULL || s->sub_string == NULL ||
        (max_items > 0 && (s->tags == NULL || s->codes == NULL))) {
        rj_subscription_data_release(s);
        return NULL;
    }
    return s;
}

static int
parse_expression_type(rj_bytes_t t, rj_expression_type_t *out)
{
    if (t.len == 0 || rj_bytes_eq_cstr(t, "TAG")) {
        *out = RJ_EXPRESSION_TAG;
        return 0;
    }
    if (rj_bytes_eq_cstr(t, "SQL92")) {
        *out = RJ_EXPRESSION_SQL92;
        return 0;
    }
    return RJ_EINVAL;
}

static bool
has_tag(const rj_subscription_t *s, rj_bytes_t tag)
{
    for (int32_t i = 0; i < s->ntags; i++) {
        if (rj_bytes_eq_cstr(tag, s->tags[i])) {
            return true;
        }
    }
    return false;
}

static void
sort_codes(rj_subscription_t *s)
{
    if (s->ncodes == 0) {
        return;
    }
    qsort(s->codes, (size_t)s->ncodes, sizeof(int32_t), cmp_i32);
    int32_t n = 0;
    for (int32_t i = 0; i < s->ncodes; i++) {
        if (n == 0 || s->codes[n - 1] != s->codes[i]) {
            s->codes[n++] = s->codes[i];
        }
    }
    s->ncodes = n;
}

int
rj_subscription_data_build(rj_bytes_t topic, rj_bytes_t expression, rj_bytes_t expression_type,
                           rj_subscription_t **out)
{
    rj_expression_type_t type;
    if (parse_expression_type(expression_type, &type) != 0) {
        return RJ_EINVAL;
    }
    bool all = expression.data == NULL || expression.len == 0 || rj_bytes_eq_cstr(expression, "*");
    int32_t max_items = 0;
    if (!all && type == RJ_EXPRESSION_TAG) {
        max_items = 1;
        for (size_t i = 0; i + 1 < expression.len; i++) {
            if (expression.data[i] == '|' && expression.data[i + 1] == '|') {
                max_items++;
                i++;
            }
        }
    }
    /*
     * One allocation holds the struct, the code and tag arrays, the topic, the
     * expression and the tag copies: pulls with the SUBSCRIPTION flag build
     * one of these per request.
     */
    rj_bytes_t sub_string = all ? RJ_BYTES_LIT("*") : expression;
    size_t arrays = (size_t)max_items * (sizeof(int32_t) + sizeof(char *));
    size_t strings = topic.len + 1 + sub_string.len + 1 + expression.len + (size_t)max_items;
    size_t head =
        (sizeof(rj_subscription_t) + sizeof(char *) - 1) / sizeof(char *) * sizeof(char *);
    uint8_t *block = rj_malloc(head + arrays + strings);
    if (block == NULL) {
        return RJ_ENOMEM;
    }
    rj_subscription_t *s = (rj_subscription_t *)(void *)block;
    memset(s, 0, sizeof(*s));
    atomic_init(&s->refs, 1);
    s->one_block = true;
    s->tags = (char **)(void *)(block + head);
    s->codes = (int32_t *)(void *)(block + head + (size_t)max_items * sizeof(char *));
    char *text = (char *)block + head + arrays;
    s->topic = text;
    memcpy(text, topic.data, topic.len);
    text[topic.len] = '\0';
    text += topic.len + 1;
    s->sub_string = text;
    memcpy(text, sub_string.data, sub_string.len);
    text[sub_string.len] = '\0';
    text += sub_string.len + 1;
    s->expression_type = type;
    s->match_all = all;
    s->sub_version = rj_clock_wall_ms();
    if (max_items > 0) {
        size_t seg = 0;
        for (size_t i = 0; i <= expression.len; i++) {
            bool at_sep = i + 1 < expression.len && expression.data[i] == '|' &&
                          expression.data[i + 1] == '|';
            if (!at_sep && i < expression.len) {
                continue;
            }
            rj_bytes_t tag = rj_bytes_trim(rj_bytes(expression.data + seg, i - seg));
            if (tag.len > 0 && !has_tag(s, tag)) {
                memcpy(text, tag.data, tag.len);
                text[tag.len] = '\0';
                s->tags[s->ntags++] = text;
                text += tag.len + 1;
                s->codes[s->ncodes++] = rj_java_hash(tag.data, tag.len);
            }
            seg = i + 2;
            i++;
        }
        sort_codes(s);
    }
    *out = s;
    return 0;
}

int
rj_subscription_data_from_json(const json_t *obj, rj_subscription_t **out)
{
    const char *topic = rj_json_get_str(obj, "topic", NULL);
    if (topic == NULL || topic[0] == '\0') {
        return RJ_EMALFORMED;
    }
    const char *sub = rj_json_get_str(obj, "subString", "*");
    const char *type = rj_json_get_str(obj, "expressionType", NULL);
    rj_expression_type_t et;
    if (parse_expression_type(rj_bytes_from_cstr(type), &et) != 0) {
        return RJ_EMALFORMED;
    }
    const json_t *tags = json_object_get(obj, "tagsSet");
    const json_t *codes = json_object_get(obj, "codeSet");
    size_t ntags = json_is_array(tags) ? json_array_size(tags) : 0;
    size_t ncodes = json_is_array(codes) ? json_array_size(codes) : 0;
    size_t max_items = ntags > ncodes ? ntags : ncodes;
    if (max_items > 100000) {
        return RJ_EMALFORMED;
    }
    rj_subscription_t *s =
        alloc_sub(rj_bytes_from_cstr(topic), rj_bytes_from_cstr(sub), (int32_t)max_items);
    if (s == NULL) {
        return RJ_ENOMEM;
    }
    s->expression_type = et;
    s->class_filter_mode = rj_json_get_bool(obj, "classFilterMode", false);
    s->sub_version = rj_json_get_int(obj, "subVersion", 0);
    s->match_all = strcmp(sub, "*") == 0 || sub[0] == '\0';
    for (size_t i = 0; i < ntags; i++) {
        const char *t = json_string_value(json_array_get(tags, i));
        if (t != NULL && !has_tag(s, rj_bytes_from_cstr(t))) {
            if ((s->tags[s->ntags] = rj_strdup(t)) == NULL) {
                rj_subscription_data_release(s);
                return RJ_ENOMEM;
            }
            s->ntags++;
        }
    }
    for (size_t i = 0; i < ncodes; i++) {
        int64_t v;
        if (rj_json_as_int(json_array_get(codes, i), &v)) {
            s->codes[s->ncodes++] = (int32_t)v;
        }
    }
    sort_codes(s);
    *out = s;
    return 0;
}

void
rj_subscription_data_retain(rj_subscription_t *s)
{
    atomic_fetch_add_explicit(&s->refs, 1, memory_order_relaxed);
}

void
rj_subscription_data_release(rj_subscription_t *s)
{
    if (s == NULL || atomic_fetch_sub_explicit(&s->refs, 1, memory_order_acq_rel) != 1) {
        return;
    }
    if (s->one_block) {
        rj_free(s);
        return;
    }
    for (int32_t i = 0; i < s->ntags; i++) {
        rj_free(s->tags[i]);
    }
    rj_free(s->tags);
    rj_free(s->codes);
    rj_free(s->topic);
    rj_free(s->sub_string);
    rj_free(s);
}

bool
rj_subscription_data_match_tags_code(const rj_subscription_t *s, int64_t tags_code)
{
    /* SQL92 filters are evaluated against the record (no consume-queue bitmaps). */
    if (s == NULL || s->class_filter_mode || s->match_all ||
        s->expression_type != RJ_EXPRESSION_TAG) {
        return true;
    }
    int32_t key = (int32_t)tags_code;
    int32_t lo = 0, hi = s->ncodes - 1;
    while (lo <= hi) {
        int32_t mid = lo + (hi - lo) / 2;
        if (s->codes[mid] == key) {
            return true;
        }
        if (s->codes[mid] < key) {
            lo = mid + 1;
        } else {
            hi = mid - 1;
        }
    }
    return false;
}

void
rj_subscription_data_write(const rj_subscription_t *s, rj_json_writer_t *w)
{
    rj_jw_object_begin(w);
    rj_jw_key(w, "classFilterMode");
    rj_jw_bool(w, s->class_filter_mode);
    rj_jw_key(w, "codeSet");
    rj_jw_array_begin(w);
    for (int32_t i = 0; i < s->ncodes; i++) {
        rj_jw_int(w, s->codes[i]);
    }
    rj_jw_array_end(w);
    rj_jw_key(w, "expressionType");
    rj_jw_string(w, s->expression_type == RJ_EXPRESSION_SQL92 ? "SQL92" : "TAG");
    rj_jw_key(w, "subString");
    rj_jw_string(w, s->sub_string);
    rj_jw_key(w, "subVersion");
    rj_jw_int(w, s->sub_version);
    rj_jw_key(w, "tagsSet");
    rj_jw_array_begin(w);
    for (int32_t i = 0; i < s->ntags; i++) {
        rj_jw_string(w, s->tags[i]);
    }
    rj_jw_array_end(w);
    rj_jw_key(w, "topic");
    rj_jw_string(w, s->topic);
    rj_jw_object_end(w);
}
