/*
 * Tests of src/remoting/command.c: frame checks, decode of both header types,
 * building, lookups, encoding, owned copies, and the golden frames captured
 * from Apache RocketMQ 4.9.8 and its clients (tests/data/frames.jsonl).
 */
#include "remoting/command.h"

#include "common/alloc.h"
#include "common/buf.h"
#include "common/fs.h"
#include "ramjet/status.h"
#include "remoting/command_internal.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

/* Frame from a serialize type, header bytes and body bytes. */
static void
make_frame(rj_buf_t *out, uint8_t type, const void *header, size_t header_len, const void *body,
           size_t body_len)
{
    rj_buf_reset(out);
    assert_int_equal(rj_buf_append_be32(out, (uint32_t)(4 + header_len + body_len)), 0);
    assert_int_equal(rj_buf_append_be32(out, (uint32_t)type << 24 | (uint32_t)header_len), 0);
    assert_int_equal(rj_buf_append(out, header, header_len), 0);
    assert_int_equal(rj_buf_append(out, body, body_len), 0);
}

static int64_t
decode_json(rj_buf_t *frame, const char *header, rj_command_t *cmd)
{
    make_frame(frame, RJ_SERIALIZE_JSON, header, strlen(header), "", 0);
    return rj_command_decode(frame->data, frame->len, 0, cmd);
}

/* ------------------------------------------------------------ frame checks */

static void
test_frame_check_needs_more_bytes_at_every_cut(void **state)
{
    (void)state;
    rj_buf_t f = RJ_BUF_INIT;
    const char *h = "{\"code\":34,\"flag\":0,\"opaque\":5,\"version\":409}";
    make_frame(&f, RJ_SERIALIZE_JSON, h, strlen(h), "body!", 5);
    for (size_t cut = 0; cut < f.len; cut++) {
        rj_command_t cmd;
        assert_int_equal(rj_frame_check(f.data, cut, 0), 0);
        assert_int_equal(rj_command_decode(f.data, cut, 0, &cmd), 0);
    }
    assert_int_equal(rj_frame_check(f.data, f.len, 0), (int64_t)f.len);
    rj_buf_cleanup(&f);
}

static void
test_frame_check_rejects_lengths_beyond_the_limit(void **state)
{
    (void)state;
    uint8_t b[8];
    rj_store_be32(b, 0x80000000u); /* 2^31: negative as Java's int */
    rj_store_be32(b + 4, 10);
    assert_int_equal(rj_frame_check(b, 4, 0), RJ_ETOOLARGE);
    assert_int_equal(rj_frame_check(b, 8, 0), RJ_ETOOLARGE);
    rj_store_be32(b, 0xFFFFFFFFu);
    assert_int_equal(rj_frame_check(b, 8, 0), RJ_ETOOLARGE);
    rj_store_be32(b, RJ_FRAME_MAX_DEFAULT + 1);
    assert_int_equal(rj_frame_check(b, 8, 0), RJ_ETOOLARGE);
    /* Exactly the limit is fine: more bytes needed. */
    rj_store_be32(b, RJ_FRAME_MAX_DEFAULT);
    assert_int_equal(rj_frame_check(b, 8, 0), 0);
    /* A configured lower limit. */
    rj_store_be32(b, 1025);
    assert_int_equal(rj_frame_check(b, 8, 1024), RJ_ETOOLARGE);
    assert_int_equal(rj_frame_check(b, 8, 2048), 0);
}

static void
test_frame_check_rejects_bad_header_word(void **state)
{
    (void)state;
    uint8_t b[64] = {0};
    /* length below the header word */
    rj_store_be32(b, 3);
    assert_int_equal(rj_frame_check(b, 4, 0), RJ_EMALFORMED);
    rj_store_be32(b, 0);
    assert_int_equal(rj_frame_check(b, 4, 0), RJ_EMALFORMED);
    /* unknown serialize types */
    rj_store_be32(b, 20);
    rj_store_be32(b + 4, 2u << 24 | 4);
    assert_int_equal(rj_frame_check(b, 8, 0), RJ_EMALFORMED);
    rj_store_be32(b + 4, 0xFFu << 24 | 4);
    assert_int_equal(rj_frame_check(b, 8, 0), RJ_EMALFORMED);
    /* header length larger than the frame, known from the first 8 bytes */
    rj_store_be32(b + 4, 17);
    assert_int_equal(rj_frame_check(b, 8, 0), RJ_EMALFORMED);
    rj_store_be32(b + 4, 1u << 24 | 0xFFFFFF);
    assert_int_equal(rj_frame_check(b, 8, 0), RJ_EMALFORMED);
    /* header length exactly the frame: no body */
    rj_store_be32(b + 4, 16);
    assert_int_equal(rj_frame_check(b, 24, 0), 24);
}

static void
test_decode_rejects_empty_or_short_headers(void **state)
{
    (void)state;
    rj_buf_t f = RJ_BUF_INIT;
    rj_command_t cmd;
    make_frame(&f, RJ_SERIALIZE_JSON, "", 0, "xyz", 3);
    assert_int_equal(rj_command_decode(f.data, f.len, 0, &cmd), RJ_EMALFORMED);
    make_frame(&f, RJ_SERIALIZE_ROCKETMQ, "\0\0\0", 3, "", 0);
    assert_int_equal(rj_command_decode(f.data, f.len, 0, &cmd), RJ_EMALFORMED);
    rj_buf_cleanup(&f);
}

static void
test_decode_consumes_one_frame_of_several(void **state)
{
    (void)state;
    rj_buf_t f = RJ_BUF_INIT, two = RJ_BUF_INIT;
    const char *h = "{\"code\":11,\"opaque\":1}";
    make_frame(&f, RJ_SERIALIZE_JSON, h, strlen(h), "AB", 2);
    assert_int_equal(rj_buf_append(&two, f.data, f.len), 0);
    assert_int_equal(rj_buf_append(&two, f.data, f.len), 0);
    rj_command_t cmd;
    int64_t n = rj_command_decode(two.data, two.len, 0, &cmd);
    assert_int_equal(n, (int64_t)f.len);
    assert_int_equal(cmd.code, 11);
    assert_int_equal(cmd.body.len, 2);
    assert_memory_equal(cmd.body.data, "AB", 2);
    n = rj_command_decode(two.data + n, two.len - (size_t)n, 0, &cmd);
    assert_int_equal(n, (int64_t)f.len);
    rj_buf_cleanup(&f);
    rj_buf_cleanup(&two);
}

/* ------------------------------------------------------------ building, encoding */

static void
test_encode_json_matches_java_layout(void **state)
{
    (void)state;
    rj_command_t req, resp;
    rj_buf_t out = RJ_BUF_INIT;
    rj_command_init_request(&req, RJ_REQ_SEND_MESSAGE_V2);
    req.opaque = 7;
    rj_command_init_response(&resp, &req, RJ_RESP_SUCCESS);
    assert_int_equal(rj_command_add_ext_cstr(&resp, "msgId", "AC11000100002A9F"), 0);
    assert_int_equal(rj_command_add_ext_i64(&resp, "queueId", 3), 0);
    assert_int_equal(rj_command_add_ext_i64(&resp, "queueOffset", -12), 0);
    assert_int_equal(rj_command_add_ext_bool(&resp, "TRACE_ON", true), 0);
    assert_int_equal(rj_command_add_ext_cstr(&resp, "skipped", NULL), 0);
    assert_int_equal(rj_command_encode(&resp, &out), 0);
    const char *want =
        "{\"code\":0,\"extFields\":{\"msgId\":\"AC11000100002A9F\",\"queueId\":\"3\","
        "\"queueOffset\":\"-12\",\"TRACE_ON\":\"true\"},\"flag\":1,\"language\":"
        "\"JAVA\",\"opaque\":7,\"serializeTypeCurrentRPC\":\"JSON\",\"version\":409}";
    assert_int_equal(out.len, 8 + strlen(want));
    assert_int_equal(rj_load_be32(out.data), 4 + strlen(want));
    assert_int_equal(rj_load_be32(out.data + 4), strlen(want));
    assert_memory_equal(out.data + 8, want, strlen(want));
    rj_buf_cleanup(&out);
}

static void
test_encode_json_ext_fields_absent_empty_and_remark(void **state)
{
    (void)state;
    rj_command_t c;
    rj_buf_t out = RJ_BUF_INIT;
    rj_command_init_request(&c, RJ_REQ_HEART_BEAT);
    c.opaque = 1;
    assert_int_equal(rj_command_encode(&c, &out), 0);
    const char *a = "{\"code\":34,\"flag\":0,\"language\":\"JAVA\",\"opaque\":1,"
                    "\"serializeTypeCurrentRPC\":\"JSON\",\"version\":409}";
    assert_int_equal(out.len - 8, strlen(a));
    assert_memory_equal(out.data + 8, a, strlen(a));

    rj_buf_reset(&out);
    rj_command_mark_ext_fields(&c);
    rj_command_set_remark_cstr(&c, "line1\nq\"\x01\x02\\");
    assert_int_equal(rj_command_encode(&c, &out), 0);
    const char *b = "{\"code\":34,\"extFields\":{},\"flag\":0,\"language\":\"JAVA\",\"opaque\":1,"
                    "\"remark\":\"line1\\nq\\\"\\u0001\\u0002\\\\\","
                    "\"serializeTypeCurrentRPC\":\"JSON\",\"version\":409}";
    assert_int_equal(out.len - 8, strlen(b));
    assert_memory_equal(out.data + 8, b, strlen(b));

    /* And it decodes back to the same remark. */
    rj_command_t d;
    assert_int_equal(rj_command_decode(out.data, out.len, 0, &d), (int64_t)out.len);
    assert_true(d.has_remark);
    assert_true(rj_bytes_eq_cstr(d.remark, "line1\nq\"\x01\x02\\"));
    assert_true(d.has_ext_fields);
    assert_int_equal(d.ext_count, 0);
    rj_buf_cleanup(&out);
}

static void
test_encode_header_only_announces_the_body(void **state)
{
    (void)state;
    rj_command_t c;
    rj_buf_t out = RJ_BUF_INIT;
    rj_command_init_request(&c, RJ_REQ_PULL_MESSAGE);
    c.serialize_type = RJ_SERIALIZE_ROCKETMQ;
    c.body = rj_bytes("ignored", 7);
    assert_int_equal(rj_command_encode_header(&c, 1000, &out), 0);
    uint32_t header_len = rj_load_be32(out.data + 4) & 0xFFFFFF;
    assert_int_equal(out.data[4], 1);
    assert_int_equal(out.len, 8 + header_len);
    assert_int_equal(rj_load_be32(out.data), 4 + header_len + 1000);
    rj_buf_cleanup(&out);
}

static void
test_encode_rejects_what_binary_cannot_carry(void **state)
{
    (void)state;
    rj_command_t c;
    rj_buf_t out = RJ_BUF_INIT;
    assert_int_equal(rj_buf_append(&out, "keep", 4), 0);
    rj_command_init_request(&c, RJ_REQ_POP_MESSAGE);
    c.serialize_type = RJ_SERIALIZE_ROCKETMQ;
    assert_int_equal(rj_command_encode(&c, &out), RJ_EINVAL);
    assert_int_equal(out.len, 4);
    c.serialize_type = RJ_SERIALIZE_JSON;
    assert_int_equal(rj_command_encode(&c, &out), 0);
    rj_buf_reset(&out);
    c.serialize_type = 7;
    assert_int_equal(rj_command_encode(&c, &out), RJ_EINVAL);
    assert_int_equal(out.len, 0);
    rj_buf_cleanup(&out);
}

static void
test_add_ext_stops_at_the_limit(void **state)
{
    (void)state;
    rj_command_t c;
    rj_command_init_request(&c, 1);
    for (int i = 0; i < RJ_CMD_MAX_EXT_FIELDS; i++) {
        assert_int_equal(rj_command_add_ext_i64(&c, "k", i), 0);
    }
    assert_int_equal(rj_command_add_ext_i64(&c, "k", 1), RJ_ETOOLARGE);
    assert_int_equal(rj_command_add_ext_cstr(&c, "k", "v"), RJ_ETOOLARGE);
    assert_int_equal(c.ext_count, RJ_CMD_MAX_EXT_FIELDS);
}

static void
test_binary_round_trip_keeps_every_field(void **state)
{
    (void)state;
    rj_command_t c, d;
    rj_buf_t out = RJ_BUF_INIT;
    rj_command_init_request(&c, -2);
    c.serialize_type = RJ_SERIALIZE_ROCKETMQ;
    c.language = RJ_LANG_GO;
    c.version = 121;
    c.opaque = -5;
    c.flag = RJ_CMD_FLAG_ONEWAY;
    rj_command_set_remark_cstr(&c, "r\xc3\xa9");
    rj_command_add_ext_cstr(&c, "topic", "TopicTest");
    rj_command_add_ext_i64(&c, "queueOffset", 1795794342181LL);
    rj_command_add_ext_cstr(&c, "empty", "");
    c.body = rj_bytes("\0\1\2", 3);
    assert_int_equal(rj_command_encode(&c, &out), 0);
    assert_int_equal(rj_command_decode(out.data, out.len, 0, &d), (int64_t)out.len);
    assert_int_equal(d.code, -2);
    assert_int_equal(d.language, RJ_LANG_GO);
    assert_int_equal(d.version, 121);
    assert_int_equal(d.opaque, -5);
    assert_int_equal(d.flag, RJ_CMD_FLAG_ONEWAY);
    assert_true(rj_command_is_oneway(&d));
    assert_false(rj_command_is_response(&d));
    assert_int_equal(d.serialize_type, RJ_SERIALIZE_ROCKETMQ);
    assert_true(rj_bytes_eq_cstr(d.remark, "r\xc3\xa9"));
    /* The empty value decodes as null, so it is left out. */
    assert_int_equal(d.ext_count, 2);
    int64_t off;
    assert_int_equal(rj_command_ext_i64(&d, "queueOffset", &off), 0);
    assert_true(off == 1795794342181LL);
    assert_int_equal(d.body.len, 3);
    assert_memory_equal(d.body.data, "\0\1\2", 3);
    rj_buf_cleanup(&out);
}

/* ------------------------------------------------------------ lookups */

static void
test_lookups_follow_java_parsing(void **state)
{
    (void)state;
    rj_buf_t f = RJ_BUF_INIT;
    rj_command_t c;
    assert_true(decode_json(&f,
                            "{\"code\":10,\"extFields\":{\"a\":\"12\",\"b\":\"x1\","
                            "\"c\":\"9999999999\",\"d\":\"TRUE\",\"e\":\"yes\",\"a\":\"13\"}}",
                            &c) > 0);
    int64_t v64;
    int32_t v32;
    bool b;
    rj_bytes_t t;
    /* duplicate keys: the last one wins, as in Java's HashMap */
    assert_int_equal(rj_command_ext_i64(&c, "a", &v64), 0);
    assert_int_equal(v64, 13);
    assert_int_equal(rj_command_ext_i32(&c, "b", &v32), RJ_EINVAL);
    assert_int_equal(rj_command_ext_i32(&c, "c", &v32), RJ_ETOOLARGE);
    assert_int_equal(rj_command_ext_i64(&c, "c", &v64), 0);
    assert_true(v64 == 9999999999LL);
    assert_int_equal(rj_command_ext_i64(&c, "zz", &v64), RJ_ENOTFOUND);
    assert_int_equal(rj_command_ext_bool(&c, "d", &b), 0);
    assert_true(b);
    assert_int_equal(rj_command_ext_bool(&c, "e", &b), 0);
    assert_false(b);
    assert_int_equal(rj_command_ext_bool(&c, "zz", &b), RJ_ENOTFOUND);
    assert_true(rj_command_ext_get(&c, "b", &t));
    assert_true(rj_bytes_eq_cstr(t, "x1"));
    assert_false(rj_command_ext_get(&c, "zz", &t));
    assert_null(rj_command_ext_find(&c, "zz"));

    /* Same length and first byte, differing later; one-letter and empty keys. */
    assert_true(decode_json(&f,
                            "{\"code\":10,\"extFields\":{\"ab\":\"1\",\"ac\":\"2\",\"b\":\"3\","
                            "\"\":\"4\",\"abc\":\"5\",\"bc\":\"6\"}}",
                            &c) > 0);
    const char *keys[] = {"ab", "ac", "b", "", "abc", "bc"};
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        assert_int_equal(rj_command_ext_i64(&c, keys[i], &v64), 0);
        assert_int_equal(v64, (int64_t)i + 1);
    }
    assert_null(rj_command_ext_find(&c, "a"));
    assert_null(rj_command_ext_find(&c, "ad"));
    assert_null(rj_command_ext_find(&c, "abd"));
    assert_null(rj_command_ext_find(&c, "c"));

    rj_command_t built;
    rj_command_init_request(&built, 1);
    rj_command_add_ext_i64(&built, "big", 1LL << 40);
    assert_int_equal(rj_command_ext_i64(&built, "big", &v64), 0);
    assert_true(v64 == 1LL << 40);
    assert_int_equal(rj_command_ext_i32(&built, "big", &v32), RJ_ETOOLARGE);
    assert_false(rj_command_ext_get(&built, "big", &t));
    rj_buf_cleanup(&f);
}

/* ------------------------------------------------------------ copies */

static void
test_dup_is_independent_of_the_frame(void **state)
{
    (void)state;
    rj_buf_t f = RJ_BUF_INIT;
    rj_command_t c;
    const char *h = "{\"code\":0,\"extFields\":{\"k\\u0001\":\"v\\ud83d\\ude00\"},\"flag\":1,"
                    "\"remark\":\"ok\",\"opaque\":3}";
    make_frame(&f, RJ_SERIALIZE_JSON, h, strlen(h), "BODY", 4);
    assert_true(rj_command_decode(f.data, f.len, 0, &c) > 0);
    rj_command_t *copy = rj_command_dup(&c);
    assert_non_null(copy);
    memset(f.data, 'X', f.len);
    assert_int_equal(copy->opaque, 3);
    assert_true(rj_bytes_eq_cstr(copy->remark, "ok"));
    assert_int_equal(copy->ext_count, 1);
    assert_true(rj_bytes_eq_cstr(copy->ext[0].key, "k\x01"));
    assert_true(rj_bytes_eq_cstr(copy->ext[0].value, "v\xf0\x9f\x98\x80"));
    assert_true(rj_bytes_eq_cstr(copy->body, "BODY"));
    rj_command_destroy(copy);
    rj_command_destroy(NULL);

    rj_alloc_fail_after(0);
    assert_null(rj_command_dup(&c));
    rj_alloc_fail_after(-1);
    rj_buf_cleanup(&f);
}

/* ------------------------------------------------------------ golden frames */

static char *
read_text(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    if (fp == NULL) {
        return NULL;
    }
    fseek(fp, 0, SEEK_END);
    long n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    assert_non_null(s);
    assert_int_equal(fread(s, 1, (size_t)n, fp), (size_t)n);
    s[n] = 0;
    fclose(fp);
    *len = (size_t)n;
    return s;
}

static void
append_hex(rj_buf_t *out, const char *hex)
{
    size_t n = strlen(hex);
    assert_int_equal(n % 2, 0);
    for (size_t i = 0; i < n; i += 2) {
        unsigned v;
        assert_int_equal(sscanf(hex + i, "%2x", &v), 1);
        assert_int_equal(rj_buf_append_u8(out, (uint8_t)v), 0);
    }
}

/* Expected text of a header value: strings as-is, numbers/booleans as literal text. */
static bool
expected_text(json_t *v, char *buf, size_t size, const char **text, size_t *len)
{
    if (json_is_string(v)) {
        *text = json_string_value(v);
        *len = json_string_length(v);
        return true;
    }
    if (json_is_integer(v)) {
        snprintf(buf, size, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
    } else if (json_is_true(v)) {
        snprintf(buf, size, "true");
    } else if (json_is_false(v)) {
        snprintf(buf, size, "false");
    } else {
        return false; /* null: absent */
    }
    *text = buf;
    *len = strlen(buf);
    return true;
}

/* Checks `cmd` against the frame's `header` object (and body). */
static void
check_fields(const rj_command_t *cmd, json_t *frame, json_t *hdr, const rj_buf_t *body, int id)
{
    int type = (int)json_integer_value(json_object_get(frame, "serialize_type"));
    assert_int_equal(cmd->serialize_type, type);
    assert_int_equal(cmd->code, json_integer_value(json_object_get(hdr, "code")));
    assert_int_equal(cmd->opaque, json_integer_value(json_object_get(hdr, "opaque")));
    assert_int_equal(cmd->flag, json_integer_value(json_object_get(hdr, "flag")));
    json_t *ver = json_object_get(hdr, "version");
    assert_int_equal(cmd->version, ver ? json_integer_value(ver) : 0);
    json_t *lang = json_object_get(hdr, "language");
    if (json_is_string(lang)) {
        assert_string_equal(rj_language_code_name(cmd->language), json_string_value(lang));
    } else if (json_is_integer(lang)) {
        assert_int_equal(cmd->language, json_integer_value(lang));
    }
    json_t *remark = json_object_get(hdr, "remark");
    if (remark != NULL && !json_is_null(remark)) {
        assert_true(cmd->has_remark);
        assert_int_equal(cmd->remark.len, json_string_length(remark));
        assert_memory_equal(cmd->remark.data, json_string_value(remark), cmd->remark.len);
    } else {
        assert_false(cmd->has_remark);
    }
    json_t *ext = json_object_get(hdr, "extFields");
    if (type == RJ_SERIALIZE_JSON) {
        assert_int_equal(cmd->has_ext_fields, ext != NULL && !json_is_null(ext));
    } else {
        assert_int_equal(cmd->has_ext_fields, ext != NULL && json_object_size(ext) > 0);
    }
    size_t present = 0;
    const char *key;
    json_t *v;
    json_object_foreach(ext, key, v)
    {
        char buf[64];
        const char *want;
        size_t want_len;
        const rj_ext_field_t *f = rj_command_ext_find(cmd, key);
        if (!expected_text(v, buf, sizeof(buf), &want, &want_len)) {
            assert_null(f);
            continue;
        }
        present++;
        if (f == NULL) {
            fail_msg("frame %d: ext field %s missing", id, key);
        }
        assert_int_equal(f->value.len, want_len);
        assert_memory_equal(f->value.data, want, want_len);
    }
    assert_int_equal(cmd->ext_count, present);
    assert_int_equal(cmd->body.len, body->len);
    if (body->len > 0) {
        assert_memory_equal(cmd->body.data, body->data, body->len);
    }
}

static bool
same_fields(const rj_command_t *a, const rj_command_t *b)
{
    if (a->code != b->code || a->opaque != b->opaque || a->flag != b->flag ||
        a->version != b->version || a->language != b->language ||
        a->serialize_type != b->serialize_type || a->has_remark != b->has_remark ||
        !rj_bytes_eq(a->remark, b->remark) || a->ext_count != b->ext_count ||
        !rj_bytes_eq(a->body, b->body)) {
        return false;
    }
    for (uint32_t i = 0; i < a->ext_count; i++) {
        if (!rj_bytes_eq(a->ext[i].key, b->ext[i].key) ||
            !rj_bytes_eq(a->ext[i].value, b->ext[i].value)) {
            return false;
        }
    }
    return true;
}

/* Java 4.9.8 writes the top-level keys alphabetically and always serializeTypeCurrentRPC. */
static bool
is_java_layout(const char *header_text)
{
    return strncmp(header_text, "{\"code\":", 8) == 0 &&
           strstr(header_text, "\"serializeTypeCurrentRPC\":\"JSON\",\"version\":") != NULL;
}

static void
test_golden_frames_decode_and_reencode(void **state)
{
    (void)state;
    const char *src = getenv("RJ_SOURCE_DIR");
    assert_non_null(src);
    char path[4096];
    snprintf(path, sizeof(path), "%s/tests/data/frames.jsonl", src);
    size_t len = 0;
    char *text = read_text(path, &len);
    if (text == NULL) {
        fail_msg("cannot read %s", path);
    }
    /* Where the shared vectors exist (a developer checkout), the in-repo copy must match. */
    char shared[4096];
    snprintf(shared, sizeof(shared), "%s/../shared/docs/protocol/vectors/frames.jsonl", src);
    size_t shared_len = 0;
    char *shared_text = read_text(shared, &shared_len);
    if (shared_text != NULL) {
        assert_int_equal(shared_len, len);
        assert_memory_equal(shared_text, text, len);
        free(shared_text);
    }

    rj_buf_t frame = RJ_BUF_INIT, body = RJ_BUF_INIT, re = RJ_BUF_INIT, hdr_bytes = RJ_BUF_INIT;
    int frames = 0, json_exact = 0, binary_exact = 0;
    char *line = text;
    while (line != NULL && *line != 0) {
        char *nl = strchr(line, '\n');
        if (nl != NULL) {
            *nl = 0;
        }
        json_error_t jerr;
        json_t *fr = json_loads(line, 0, &jerr);
        if (fr == NULL) {
            fail_msg("bad jsonl line: %s", jerr.text);
        }
        int id = (int)json_integer_value(json_object_get(fr, "id"));
        int type = (int)json_integer_value(json_object_get(fr, "serialize_type"));
        json_t *hdr = json_object_get(fr, "header");
        const char *header_text = json_string_value(json_object_get(fr, "header_text"));
        rj_buf_reset(&hdr_bytes);
        if (header_text != NULL) {
            assert_int_equal(rj_buf_append_cstr(&hdr_bytes, header_text), 0);
        } else {
            append_hex(&hdr_bytes, json_string_value(json_object_get(fr, "header_hex")));
        }
        assert_int_equal(hdr_bytes.len, json_integer_value(json_object_get(fr, "header_len")));
        rj_buf_reset(&body);
        const char *body_hex = json_string_value(json_object_get(fr, "body_hex"));
        if (body_hex != NULL) {
            append_hex(&body, body_hex);
        }
        assert_int_equal(body.len, json_integer_value(json_object_get(fr, "body_len")));
        make_frame(&frame, (uint8_t)type, hdr_bytes.data, hdr_bytes.len, body.data, body.len);

        /* Every shorter prefix is incomplete, never an error. */
        for (size_t cut = 0; cut < frame.len; cut += (cut < 64 ? 1 : 97)) {
            assert_int_equal(rj_frame_check(frame.data, cut, 0), 0);
        }

        rj_command_t cmd, again;
        int64_t n = rj_command_decode(frame.data, frame.len, 0, &cmd);
        if (n != (int64_t)frame.len) {
            fail_msg("frame %d: decode returned %lld", id, (long long)n);
        }
        check_fields(&cmd, fr, hdr, &body, id);

        rj_buf_reset(&re);
        assert_int_equal(rj_command_encode(&cmd, &re), 0);
        if (type == RJ_SERIALIZE_ROCKETMQ) {
            /* The binary layout is fully determined: byte-identical to Java's. */
            assert_int_equal(re.len, frame.len);
            assert_memory_equal(re.data, frame.data, frame.len);
            binary_exact++;
        } else if (is_java_layout(header_text)) {
            /* Same key order as Java and extFields in the received order: same bytes. */
            rj_buf_t orig = RJ_BUF_INIT;
            make_frame(&orig, (uint8_t)type, header_text, strlen(header_text), body.data, body.len);
            if (re.len != orig.len || memcmp(re.data, orig.data, orig.len) != 0) {
                fail_msg("frame %d: re-encoded JSON header differs:\n%.*s\n%s", id,
                         (int)(re.len - 8 - body.len), (const char *)re.data + 8, header_text);
            }
            rj_buf_cleanup(&orig);
            json_exact++;
        }
        assert_int_equal(rj_command_decode(re.data, re.len, 0, &again), (int64_t)re.len);
        assert_true(same_fields(&cmd, &again));
        check_fields(&again, fr, hdr, &body, id);
        json_decref(fr);
        frames++;
        line = nl != NULL ? nl + 1 : NULL;
    }
    assert_int_equal(frames, 233);
    /* The capture has ROCKETMQ frames and mostly Java-produced JSON frames. */
    assert_true(binary_exact >= 10);
    assert_true(json_exact >= 150);
    print_message("golden: %d frames, %d JSON and %d binary re-encoded byte-exact\n", frames,
                  json_exact, binary_exact);
    rj_buf_cleanup(&frame);
    rj_buf_cleanup(&body);
    rj_buf_cleanup(&re);
    rj_buf_cleanup(&hdr_bytes);
    free(text);
}

static void
test_format_i64_matches_printf(void **state)
{
    (void)state;
    int64_t values[] = {0,
                        1,
                        9,
                        10,
                        11,
                        99,
                        100,
                        101,
                        -1,
                        -9,
                        -10,
                        -99,
                        -100,
                        12345,
                        -123456,
                        999999999,
                        INT32_MAX,
                        INT32_MIN,
                        INT64_MAX,
                        INT64_MIN,
                        INT64_MIN + 1,
                        1000000000000,
                        -1000000000000,
                        4294967296};
    for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
        char got[24], want[32];
        size_t n = rj_command_format_i64(got, values[i]);
        int m = snprintf(want, sizeof(want), "%" PRId64, values[i]);
        assert_int_equal(n, (size_t)m);
        assert_memory_equal(got, want, n);
    }
    /* Every power of ten and its neighbours, both signs. */
    for (int64_t p = 1; p <= INT64_MAX / 10; p *= 10) {
        for (int64_t d = -1; d <= 1; d++) {
            for (int sign = -1; sign <= 1; sign += 2) {
                int64_t v = sign * (p + d);
                char got[24], want[32];
                size_t n = rj_command_format_i64(got, v);
                int m = snprintf(want, sizeof(want), "%" PRId64, v);
                assert_int_equal(n, (size_t)m);
                assert_memory_equal(got, want, n);
            }
        }
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_frame_check_needs_more_bytes_at_every_cut),
        cmocka_unit_test(test_frame_check_rejects_lengths_beyond_the_limit),
        cmocka_unit_test(test_frame_check_rejects_bad_header_word),
        cmocka_unit_test(test_decode_rejects_empty_or_short_headers),
        cmocka_unit_test(test_decode_consumes_one_frame_of_several),
        cmocka_unit_test(test_encode_json_matches_java_layout),
        cmocka_unit_test(test_encode_json_ext_fields_absent_empty_and_remark),
        cmocka_unit_test(test_encode_header_only_announces_the_body),
        cmocka_unit_test(test_encode_rejects_what_binary_cannot_carry),
        cmocka_unit_test(test_add_ext_stops_at_the_limit),
        cmocka_unit_test(test_binary_round_trip_keeps_every_field),
        cmocka_unit_test(test_lookups_follow_java_parsing),
        cmocka_unit_test(test_dup_is_independent_of_the_frame),
        cmocka_unit_test(test_golden_frames_decode_and_reencode),
        cmocka_unit_test(test_format_i64_matches_printf),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
