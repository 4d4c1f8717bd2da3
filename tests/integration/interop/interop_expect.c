/*
 * Sent messages and delivery checks of the interop tests (see interop_expect.h).
 *
 * Bodies travel between C and node as hex, so bytes are compared exactly,
 * whatever they contain. The property check is strict in both directions:
 * every user property must arrive with its value, and any other property
 * must be one of those a RocketMQ 4.9.8 broker adds (CLUSTER) or ali-ons adds
 * on receipt (MIN_OFFSET, MAX_OFFSET) — so a broker that loses, renames or
 * invents a property (or leaves a trailing separator, which ali-ons reads as
 * an empty-named property) fails here.
 */
#include "interop_expect.h"

#include "interop_node.h"
#include "common/json.h"
#include "ramjet/ramjet.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

char *
it_hex_encode(const void *data, size_t len)
{
    static const char digits[] = "0123456789abcdef";
    const uint8_t *p = data;
    char *out = malloc(len * 2 + 1);
    assert_non_null(out);
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = digits[p[i] >> 4];
        out[2 * i + 1] = digits[p[i] & 15];
    }
    out[len * 2] = '\0';
    return out;
}

static int
hex_digit(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

uint8_t *
it_hex_decode(const char *hex, size_t *len)
{
    size_t n = strlen(hex);
    assert_int_equal(n % 2, 0);
    uint8_t *out = malloc(n / 2 + 1);
    assert_non_null(out);
    for (size_t i = 0; i < n / 2; i++) {
        int hi = hex_digit(hex[2 * i]), lo = hex_digit(hex[2 * i + 1]);
        assert_true(hi >= 0 && lo >= 0);
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    *len = n / 2;
    return out;
}

static uint32_t
next_rand(uint32_t *state)
{
    /* xorshift32: reproducible across runs and platforms */
    uint32_t x = *state != 0 ? *state : 0x9E3779B9u;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    *state = x;
    return x;
}

char *
it_body_words(uint32_t seed, size_t size, size_t *len)
{
    static const char *const words[] = {
        "Grüße", "aus",    "Zürich", "東京",     "🚀",         "naïve", "façade", "ünïcödé",
        "queue", "broker", "€100",   "Ελληνικά", "кириллица", "✓",     "#",      "-",
    };
    uint32_t state = seed * 2654435761u + 1;
    char *out = malloc(size + 1);
    assert_non_null(out);
    size_t n = 0;
    for (;;) {
        const char *w = words[next_rand(&state) % (sizeof(words) / sizeof(words[0]))];
        size_t wl = strlen(w);
        if (n + wl + 1 > size) {
            break;
        }
        memcpy(out + n, w, wl);
        n += wl;
        out[n++] = (next_rand(&state) % 9 == 0) ? '\n' : ' ';
    }
    out[n] = '\0';
    *len = n;
    return out;
}

uint8_t *
it_body_random(uint32_t seed, size_t size)
{
    uint32_t state = seed * 2246822519u + 7;
    uint8_t *out = malloc(size);
    assert_non_null(out);
    for (size_t i = 0; i < size; i++) {
        out[i] = (uint8_t)(next_rand(&state) >> 11);
    }
    return out;
}

json_t *
it_msg_add(json_t *msgs, const char *topic, const char *tags, const char *keys, int32_t flag,
           const void *body, size_t len)
{
    json_t *m = json_object();
    char *hex = it_hex_encode(body, len);
    char seq[32];

    json_object_set_new(m, "topic", json_string(topic));
    json_object_set_new(m, "tags", json_string(tags));
    json_t *karr = json_array();
    if (keys != NULL) {
        char *copy = strdup(keys), *save = NULL;
        for (char *k = strtok_r(copy, " ", &save); k != NULL; k = strtok_r(NULL, " ", &save)) {
            json_array_append_new(karr, json_string(k));
        }
        free(copy);
    }
    json_object_set_new(m, "keys", karr);
    json_object_set_new(m, "props", json_object());
    json_object_set_new(m, "flag", json_integer(flag));
    json_object_set_new(m, "bodyHex", json_string(hex));
    free(hex);
    snprintf(seq, sizeof(seq), "%zu", json_array_size(msgs));
    it_msg_set_prop(m, "seq", seq);
    json_array_append_new(msgs, m);
    return m;
}

void
it_msg_set_prop(json_t *m, const char *key, const char *value)
{
    json_object_set_new(json_object_get(m, "props"), key, json_string(value));
}

static const char *
str_of(const json_t *obj, const char *key)
{
    const char *v = json_string_value(json_object_get(obj, key));
    return v != NULL ? v : "";
}

/* Keys joined by one space, as KEYS holds them. Heap string. */
static char *
keys_joined(const json_t *m)
{
    size_t i, total = 1;
    json_t *k;
    const json_t *keys = json_object_get(m, "keys");
    json_array_foreach(keys, i, k)
    {
        total += strlen(json_string_value(k)) + 1;
    }
    char *out = calloc(1, total);
    assert_non_null(out);
    json_array_foreach(keys, i, k)
    {
        if (i > 0) {
            strcat(out, " ");
        }
        strcat(out, json_string_value(k));
    }
    return out;
}

void
it_msgs_send_alions(const char *namesrv, const char *group, json_t *msgs, size_t from)
{
    json_t *batch = json_array();
    for (size_t k = from; k < json_array_size(msgs); k++) {
        json_array_append(batch, json_array_get(msgs, k));
    }
    json_t *arg =
        json_pack("{s:s, s:s, s:o}", "namesrv", namesrv, "group", group, "messages", batch);
    json_t *events = it_node_run_json("alions_send", "alions_send.js", arg, 30000);
    json_t *sent = it_events_select(events, "sent", NULL);
    assert_int_equal(json_array_size(sent), json_array_size(msgs) - from);
    size_t i;
    json_t *s;
    json_array_foreach(sent, i, s)
    {
        assert_int_equal(rj_json_get_int(s, "i", -999999), (json_int_t)i);
        assert_string_equal(str_of(s, "status"), "SEND_OK");
        json_t *info = json_pack("{s:s, s:s, s:s, s:s, s:O, s:O}", "by", "alions", "msgId",
                                 str_of(s, "msgId"), "offsetMsgId", str_of(s, "msgId"), "broker",
                                 str_of(s, "broker"), "queueId", json_object_get(s, "queueId"),
                                 "queueOffset", json_object_get(s, "queueOffset"));
        assert_non_null(info);
        json_object_set_new(json_array_get(msgs, from + i), "sent", info);
    }
    json_decref(sent);
    json_decref(events);
    json_decref(arg);
}

/* The C client's message for spec m (destroy it with rj_message_destroy). */
static rj_message_t *
c_message(const json_t *m)
{
    rj_message_t *msg;
    size_t len;
    uint8_t *body = it_hex_decode(str_of(m, "bodyHex"), &len);
    char *keys = keys_joined(m);

    assert_int_equal(rj_message_create(str_of(m, "topic"), &msg), RJ_OK);
    assert_int_equal(rj_message_set_body(msg, body, len), RJ_OK);
    assert_int_equal(rj_message_set_tags(msg, str_of(m, "tags")), RJ_OK);
    if (keys[0] != '\0') {
        assert_int_equal(rj_message_set_keys(msg, keys), RJ_OK);
    }
    assert_int_equal(rj_message_set_flag(msg, (int32_t)rj_json_get_int(m, "flag", 0)), RJ_OK);
    const char *k;
    json_t *v;
    json_object_foreach(json_object_get(m, "props"), k, v)
    {
        assert_int_equal(rj_message_set_property(msg, k, json_string_value(v)), RJ_OK);
    }
    free(keys);
    free(body);
    return msg;
}

static rj_producer_t *
c_producer_start(const char *namesrv, const char *group)
{
    rj_producer_t *p;
    assert_int_equal(rj_producer_create(group, &p), RJ_OK);
    assert_int_equal(rj_producer_set_namesrv_addr(p, namesrv), RJ_OK);
    assert_int_equal(rj_producer_start(p), RJ_OK);
    return p;
}

static void
set_sent_c(json_t *m, const char *msg_id, const char *offset_msg_id, const rj_send_result_t *r,
           int64_t queue_offset)
{
    json_t *info =
        json_pack("{s:s, s:s, s:s, s:s, s:i, s:I}", "by", "c", "msgId", msg_id, "offsetMsgId",
                  offset_msg_id, "broker", rj_send_result_broker_name(r), "queueId",
                  (int)rj_send_result_queue_id(r), "queueOffset", (json_int_t)queue_offset);
    assert_non_null(info);
    json_object_set_new(m, "sent", info);
}

void
it_msgs_send_c(const char *namesrv, const char *group, json_t *msgs, size_t from)
{
    rj_producer_t *p = c_producer_start(namesrv, group);
    for (size_t i = from; i < json_array_size(msgs); i++) {
        json_t *m = json_array_get(msgs, i);
        rj_message_t *msg = c_message(m);
        rj_send_result_t *r;
        if (rj_producer_send(p, msg, &r) != RJ_OK) {
            fail_msg("C send %zu: %s", i, rj_last_error());
        }
        assert_int_equal(rj_send_result_status(r), RJ_SEND_OK);
        set_sent_c(m, rj_send_result_msg_id(r), rj_send_result_offset_msg_id(r), r,
                   rj_send_result_queue_offset(r));
        rj_send_result_destroy(r);
        rj_message_destroy(msg);
    }
    rj_producer_destroy(p);
}

/* Item k of a comma-joined list, copied into buf. */
static void
list_item(const char *list, size_t k, char *buf, size_t size)
{
    const char *p = list;
    for (size_t i = 0; i < k; i++) {
        p = strchr(p, ',');
        assert_non_null(p);
        p++;
    }
    const char *end = strchr(p, ',');
    size_t len = end != NULL ? (size_t)(end - p) : strlen(p);
    assert_true(len < size);
    memcpy(buf, p, len);
    buf[len] = '\0';
}

void
it_msgs_send_c_batch(const char *namesrv, const char *group, json_t *msgs, size_t from)
{
    size_t n = json_array_size(msgs) - from;
    rj_message_t **batch = calloc(n, sizeof(*batch));
    assert_non_null(batch);
    for (size_t k = 0; k < n; k++) {
        batch[k] = c_message(json_array_get(msgs, from + k));
    }
    rj_producer_t *p = c_producer_start(namesrv, group);
    rj_send_result_t *r;
    if (rj_producer_send_batch(p, (const rj_message_t *const *)batch, n, &r) != RJ_OK) {
        fail_msg("C batch send: %s", rj_last_error());
    }
    assert_int_equal(rj_send_result_status(r), RJ_SEND_OK);
    for (size_t k = 0; k < n; k++) {
        char id[128], offset_id[128];
        list_item(rj_send_result_msg_id(r), k, id, sizeof(id));
        list_item(rj_send_result_offset_msg_id(r), k, offset_id, sizeof(offset_id));
        set_sent_c(json_array_get(msgs, from + k), id, offset_id, r,
                   rj_send_result_queue_offset(r) + (int64_t)k);
        rj_message_destroy(batch[k]);
    }
    rj_send_result_destroy(r);
    rj_producer_destroy(p);
    free(batch);
}

void
it_add_rich_messages(json_t *msgs, const char *topic)
{
    static const char *const tags[] = {"TagA", "TagB", "TagC"};
    char body[256], keys[128], n[16];

    for (int i = 0; i < 8; i++) {
        snprintf(body, sizeof(body), "héllo wörld #%d ✓ 東京 🚀 Ελληνικά", i);
        snprintf(keys, sizeof(keys), "k-%d ключ-%d", i, i);
        json_t *m = it_msg_add(msgs, topic, tags[i % 3], keys, i * 7 - 3, body, strlen(body));
        snprintf(n, sizeof(n), "%d", i);
        it_msg_set_prop(m, "n", n);
        it_msg_set_prop(m, "städte", "Zürich ✓ 東京 🚀");
        it_msg_set_prop(m, "quoted", "he said \"hi\" \\ C:\\path\ttab / {json} </end>");
    }
    size_t len;
    char *words = it_body_words(8, 12000, &len); /* compressible text, compressed */
    it_msg_add(msgs, topic, "TagA", "big-words", 8, words, len);
    free(words);
    uint8_t *rnd = it_body_random(9, 6000); /* incompressible, still sent compressed */
    it_msg_add(msgs, topic, "TagB", "big-random", 9, rnd, 6000);
    free(rnd);
    char *edge = it_body_words(10, IT_COMPRESS_THRESHOLD + 64, &len);
    it_msg_add(msgs, topic, "TagC", "edge-below", 10, edge, IT_COMPRESS_THRESHOLD - 1);
    it_msg_add(msgs, topic, "TagA", "edge-at", 11, edge, IT_COMPRESS_THRESHOLD);
    free(edge);
    uint8_t bin[512];
    for (size_t i = 0; i < sizeof(bin); i++) {
        bin[i] = (uint8_t)i; /* every byte value, NULs included */
    }
    it_msg_add(msgs, topic, "TagB", "binary", INT32_MIN, bin, sizeof(bin));
    it_msg_add(msgs, topic, "TagC", "one-byte", INT32_MAX, "x", 1);
}

size_t
it_seq_of(const char *id, size_t n)
{
    char *end;
    unsigned long v = strtoul(id, &end, 10);
    if (id[0] == '\0' || *end != '\0' || v >= n) {
        fail_msg("delivery of a message that was not sent here (seq \"%s\")", id);
    }
    return (size_t)v;
}

static bool
allowed_extra(const char *key, const json_t *value, const json_t *m)
{
    const char *v = json_string_value(value);
    const json_t *sent = json_object_get(m, "sent");
    bool c_producer = strcmp(str_of(sent, "by"), "c") == 0;
    if (v == NULL) {
        return false;
    }
    if (strcmp(key, "MIN_OFFSET") == 0 || strcmp(key, "MAX_OFFSET") == 0) {
        return true; /* added by ali-ons from the pull response */
    }
    if (strcmp(key, "CLUSTER") == 0) {
        return strcmp(v, "DefaultCluster") == 0; /* added by the broker, as 4.9.8 does */
    }
    if (c_producer && strcmp(key, "UNIQ_KEY") == 0) {
        return strcmp(v, str_of(sent, "msgId")) == 0;
    }
    if (c_producer && strcmp(key, "WAIT") == 0) {
        return strcmp(v, "true") == 0;
    }
    return false;
}

size_t
it_check_delivery(const json_t *ev, const json_t *msgs)
{
    size_t seq = it_seq_of(str_of(ev, "id"), json_array_size(msgs));
    const json_t *m = json_array_get(msgs, seq);
    const json_t *sent = json_object_get(m, "sent");
    assert_non_null(sent);

    assert_string_equal(str_of(ev, "topic"), str_of(m, "topic"));
    assert_string_equal(str_of(ev, "bodyHex"), str_of(m, "bodyHex"));
    assert_string_equal(str_of(ev, "tags"), str_of(m, "tags"));
    char *keys = keys_joined(m);
    if (keys[0] != '\0') {
        assert_string_equal(str_of(ev, "keys"), keys);
    } else {
        assert_null(json_string_value(json_object_get(ev, "keys")));
    }
    free(keys);
    assert_int_equal(rj_json_get_int(ev, "flag", -999999), rj_json_get_int(m, "flag", -999999));
    assert_int_equal(rj_json_get_int(ev, "reconsumeTimes", -999999), 0);

    const json_t *props = json_object_get(ev, "props");
    const json_t *want = json_object_get(m, "props");
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)want, k, v)
    {
        const char *got = json_string_value(json_object_get(props, k));
        if (got == NULL || strcmp(got, json_string_value(v)) != 0) {
            fail_msg("seq %zu: property %s is \"%s\", sent \"%s\"", seq, k,
                     got != NULL ? got : "(missing)", json_string_value(v));
        }
    }
    json_object_foreach((json_t *)props, k, v)
    {
        if (json_object_get(want, k) != NULL || strcmp(k, "TAGS") == 0 || strcmp(k, "KEYS") == 0) {
            continue;
        }
        if (!allowed_extra(k, v, m)) {
            char *dump = json_dumps(props, JSON_COMPACT);
            fail_msg("seq %zu: unexpected property \"%s\" in %s", seq, k, dump);
        }
    }

    /* ali-ons' msgId is the offset message id: store host, port, commit-log offset. */
    assert_string_equal(str_of(ev, "msgId"), str_of(sent, "offsetMsgId"));
    /* The C consumer also reports the id Java shows: UNIQ_KEY, else the offset id. */
    if (json_object_get(ev, "javaMsgId") != NULL) {
        assert_string_equal(str_of(ev, "javaMsgId"), str_of(sent, "msgId"));
    }
    assert_string_equal(str_of(ev, "broker"), str_of(sent, "broker"));
    assert_int_equal(rj_json_get_int(ev, "queueId", -999999),
                     rj_json_get_int(sent, "queueId", -999999));
    assert_int_equal(rj_json_get_int(ev, "queueOffset", -999999),
                     rj_json_get_int(sent, "queueOffset", -999999));
    bool big = strlen(str_of(m, "bodyHex")) / 2 >= IT_COMPRESS_THRESHOLD;
    assert_int_equal(rj_json_get_int(ev, "sysFlag", -999999) & 1, big ? 1 : 0);
    return seq;
}

void
it_count_deliveries(const json_t *events, const json_t *msgs, int *counts)
{
    size_t n = json_array_size(msgs);
    memset(counts, 0, n * sizeof(*counts));
    size_t i;
    json_t *e;
    json_array_foreach(events, i, e)
    {
        if (strcmp(str_of(e, "ev"), "msg") == 0) {
            counts[it_check_delivery(e, msgs)]++;
        }
    }
}
