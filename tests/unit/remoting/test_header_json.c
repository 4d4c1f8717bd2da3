/*
 * Tests of src/remoting/header_json.c: what the in-place JSON header parser
 * accepts (Java, ali-ons and fastjson forms), what it rejects, and escapes.
 */
#include "remoting/command.h"

#include "common/buf.h"
#include "ramjet/status.h"

#include <stdio.h>
#include <string.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

/* Decodes `header` (copied into a mutable buffer owned by the caller's `buf`). */
static int
decode(rj_buf_t *buf, const char *header, size_t len, rj_command_t *cmd)
{
    rj_buf_reset(buf);
    assert_int_equal(rj_buf_append(buf, header, len), 0);
    return rj_command_decode_header(RJ_SERIALIZE_JSON, buf->data, buf->len, cmd);
}

static int
decode_str(rj_buf_t *buf, const char *header, rj_command_t *cmd)
{
    return decode(buf, header, strlen(header), cmd);
}

static void
assert_ext(const rj_command_t *cmd, const char *key, const char *want, size_t want_len)
{
    rj_bytes_t v;
    if (!rj_command_ext_get(cmd, key, &v)) {
        fail_msg("ext field %s missing", key);
    }
    assert_int_equal(v.len, want_len);
    assert_memory_equal(v.data, want, want_len);
}

#define ASSERT_EXT(cmd, key, lit) assert_ext((cmd), (key), (lit), sizeof(lit) - 1)

static void
test_java_header_decodes(void **state)
{
    (void)state;
    rj_buf_t b = RJ_BUF_INIT;
    rj_command_t c;
    const char *h =
        "{\"code\":310,\"extFields\":{\"a\":\"PG\",\"b\":\"TopicTest\",\"g\":\"1700000000000\","
        "\"i\":\"KEYS\\u0001k1\\u0002WAIT\\u0001true\"},\"flag\":0,\"language\":\"JAVA\","
        "\"opaque\":7,\"serializeTypeCurrentRPC\":\"JSON\",\"version\":409}";
    assert_int_equal(decode_str(&b, h, &c), 0);
    assert_int_equal(c.code, 310);
    assert_int_equal(c.flag, 0);
    assert_int_equal(c.language, RJ_LANG_JAVA);
    assert_int_equal(c.opaque, 7);
    assert_int_equal(c.version, 409);
    assert_int_equal(c.serialize_type, RJ_SERIALIZE_JSON);
    assert_false(c.has_remark);
    assert_true(c.has_ext_fields);
    assert_int_equal(c.ext_count, 4);
    ASSERT_EXT(&c, "a", "PG");
    ASSERT_EXT(&c, "i", "KEYS\x01k1\x02WAIT\x01true");
    int64_t g;
    assert_int_equal(rj_command_ext_i64(&c, "g", &g), 0);
    assert_true(g == 1700000000000LL);
    rj_buf_cleanup(&b);
}

static void
test_ali_ons_numbers_booleans_and_nulls(void **state)
{
    (void)state;
    rj_buf_t b = RJ_BUF_INIT;
    rj_command_t c;
    const char *h = "{\"code\":15,\"language\":\"NODE_JS\",\"opaque\":3,\"flag\":0,\"version\":121,"
                    "\"extFields\":{\"queueId\":0,\"unitMode\":false,\"order\":true,"
                    "\"g\":1795794320520,\"neg\":-12,\"f\":1.5e3,\"gone\":null,\"topic\":\"T\"}}";
    assert_int_equal(decode_str(&b, h, &c), 0);
    assert_int_equal(c.language, RJ_LANG_NODE_JS);
    assert_int_equal(c.version, 121);
    assert_int_equal(c.ext_count, 7);
    ASSERT_EXT(&c, "queueId", "0");
    ASSERT_EXT(&c, "unitMode", "false");
    ASSERT_EXT(&c, "order", "true");
    ASSERT_EXT(&c, "g", "1795794320520");
    ASSERT_EXT(&c, "neg", "-12");
    ASSERT_EXT(&c, "f", "1.5e3");
    assert_null(rj_command_ext_find(&c, "gone"));
    bool v = true;
    assert_int_equal(rj_command_ext_bool(&c, "unitMode", &v), 0);
    assert_false(v);
    rj_buf_cleanup(&b);
}

static void
test_whitespace_unknown_keys_and_nesting_are_skipped(void **state)
{
    (void)state;
    rj_buf_t b = RJ_BUF_INIT;
    rj_command_t c;
    const char *h = " \r\n\t{ \"x\" : { \"deep\" : [ 1 , { \"a\" : [ ] } , \"s\\\"}\" , null ] } ,"
                    "\n\"code\" : 105 , \"serializeTypeCurrentRPC\" : \"JSON\" , \"y\":[],"
                    "\"z\":{}, \"extFields\" : { \"topic\" : \"T\" , \"obj\" : {\"k\":[1,2]} } ,"
                    "\"language\" : 9 , \"t\":true,\"f\":false,\"n\":null,\"num\":-0.5E+2 } \n";
    assert_int_equal(decode_str(&b, h, &c), 0);
    assert_int_equal(c.code, 105);
    assert_int_equal(c.language, RJ_LANG_GO);
    assert_int_equal(c.ext_count, 2);
    ASSERT_EXT(&c, "topic", "T");
    /* A nested value is kept as its raw JSON text. */
    ASSERT_EXT(&c, "obj", "{\"k\":[1,2]}");
    rj_buf_cleanup(&b);
}

static void
test_field_variants_fastjson_accepts(void **state)
{
    (void)state;
    rj_buf_t b = RJ_BUF_INIT;
    rj_command_t c;
    /* numbers as strings, null fields, unknown language name, repeated extFields */
    const char *h = "{\"code\":\"34\",\"opaque\":null,\"remark\":null,\"language\":\"COBOL\","
                    "\"extFields\":{\"a\":\"1\"},\"extFields\":{\"b\":\"2\"},\"flag\":2}";
    assert_int_equal(decode_str(&b, h, &c), 0);
    assert_int_equal(c.code, 34);
    assert_int_equal(c.opaque, 0);
    assert_false(c.has_remark);
    assert_int_equal(c.language, RJ_LANG_OTHER);
    assert_int_equal(c.ext_count, 1);
    ASSERT_EXT(&c, "b", "2");
    assert_true(rj_command_is_oneway(&c));

    assert_int_equal(decode_str(&b, "{\"extFields\":null,\"remark\":\"\"}", &c), 0);
    assert_false(c.has_ext_fields);
    assert_true(c.has_remark);
    assert_int_equal(c.remark.len, 0);

    assert_int_equal(decode_str(&b, "{}", &c), 0);
    assert_int_equal(c.code, 0);
    assert_false(c.has_ext_fields);

    assert_int_equal(decode_str(&b, "{\"code\":-2147483648,\"opaque\":2147483647}", &c), 0);
    assert_int_equal(c.code, INT32_MIN);
    assert_int_equal(c.opaque, INT32_MAX);
    rj_buf_cleanup(&b);
}

static void
test_escapes_decode_to_utf8_in_place(void **state)
{
    (void)state;
    rj_buf_t b = RJ_BUF_INIT;
    rj_command_t c;
    const char *h = "{\"remark\":\"\\u0001\\u0002\\\"\\\\\\/\\b\\f\\n\\r\\t\","
                    "\"extFields\":{\"e\":\"\\u00e9\\u4E2D\",\"smile\":\"\\ud83d\\ude00!\","
                    "\"lone\":\"a\\ud800b\\udc00c\\ud83dz\",\"raw\":\"\xc3\xa9\","
                    "\"k\\u0041\":\"zero\\u0000x\"}}";
    assert_int_equal(decode_str(&b, h, &c), 0);
    assert_int_equal(c.remark.len, 10);
    assert_memory_equal(c.remark.data, "\x01\x02\"\\/\b\f\n\r\t", 10);
    ASSERT_EXT(&c, "e", "\xc3\xa9\xe4\xb8\xad");
    ASSERT_EXT(&c, "smile", "\xf0\x9f\x98\x80!");
    /* Lone surrogates become '?', as Java's UTF-8 encoder writes them. */
    ASSERT_EXT(&c, "lone", "a?b?c?z");
    ASSERT_EXT(&c, "raw", "\xc3\xa9");
    ASSERT_EXT(&c, "kA", "zero\0x");
    /* The views point into the caller's buffer: decoded in place. */
    assert_true(c.remark.data >= b.data && c.remark.data < b.data + b.len);
    rj_buf_cleanup(&b);
}

static void
test_malformed_headers_are_rejected(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",
        " ",
        "{",
        "}",
        "[]",
        "null",
        "\"code\"",
        "{\"code\":}",
        "{\"code\":1,}",
        "{,}",
        "{\"code\" 1}",
        "{\"code\":1 \"flag\":0}",
        "{\"code\":1}x",
        "{\"code\":1}{}",
        "{code:1}",
        "{'code':1}",
        "{\"code\":1.5}",
        "{\"code\":1e2}",
        "{\"code\":01}",
        "{\"code\":-}",
        "{\"code\":\"abc\"}",
        "{\"code\":2147483648}",
        "{\"code\":true}",
        "{\"code\":[1]}",
        "{\"opaque\":{}}",
        "{\"language\":true}",
        "{\"language\":1.5}",
        "{\"remark\":\"abc}",
        "{\"remark\":\"\\x\"}",
        "{\"remark\":\"\\u12\"}",
        "{\"remark\":\"\\u12G4\"}",
        "{\"remark\":\"\\",
        "{\"extFields\":[]}",
        "{\"extFields\":\"a\"}",
        "{\"extFields\":{1:\"a\"}}",
        "{\"extFields\":{\"a\":}}",
        "{\"extFields\":{\"a\":\"b\",}}",
        "{\"extFields\":{\"a\":\"b\"}",
        "{\"extFields\":{\"a\":\"b\"",
        "{\"extFields\":{\"a\":tru}}",
        "{\"x\":[1,2}",
        "{\"x\":{\"a\"}}",
        "{\"x\":{\"a\":1,}}",
        "{\"x\":[1,]}",
        "{\"x\":\"\\q\"}",
        "{\"x\":nul}",
        "{\"x\":+1}",
        "{\"x\":.5}",
        "{\"x\":1.}",
        "{\"x\":1e}",
        "{\"x\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}",
    };
    rj_buf_t b = RJ_BUF_INIT;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        rj_command_t c;
        int rc = decode_str(&b, bad[i], &c);
        if (rc != RJ_EMALFORMED) {
            fail_msg("accepted malformed header #%zu: %s", i, bad[i]);
        }
    }
    /* A NUL byte where JSON expects structure. */
    rj_command_t c;
    assert_int_equal(decode(&b, "{\"code\":1\0}", 11, &c), RJ_EMALFORMED);
    rj_buf_cleanup(&b);
}

static void
test_ext_field_limit(void **state)
{
    (void)state;
    rj_buf_t h = RJ_BUF_INIT, b = RJ_BUF_INIT;
    rj_command_t c;
    for (int n = RJ_CMD_MAX_EXT_FIELDS; n <= RJ_CMD_MAX_EXT_FIELDS + 1; n++) {
        rj_buf_reset(&h);
        rj_buf_append_cstr(&h, "{\"code\":1,\"extFields\":{");
        for (int i = 0; i < n; i++) {
            rj_buf_appendf(&h, "%s\"k%d\":\"%d\"", i ? "," : "", i, i);
        }
        rj_buf_append_cstr(&h, "}}");
        int rc = decode(&b, (const char *)h.data, h.len, &c);
        if (n <= RJ_CMD_MAX_EXT_FIELDS) {
            assert_int_equal(rc, 0);
            assert_int_equal(c.ext_count, n);
        } else {
            assert_int_equal(rc, RJ_EMALFORMED);
        }
    }
    /* null values do not count */
    rj_buf_reset(&h);
    rj_buf_append_cstr(&h, "{\"extFields\":{");
    for (int i = 0; i < 100; i++) {
        rj_buf_appendf(&h, "%s\"k%d\":null", i ? "," : "", i);
    }
    rj_buf_append_cstr(&h, "}}");
    assert_int_equal(decode(&b, (const char *)h.data, h.len, &c), 0);
    assert_int_equal(c.ext_count, 0);
    assert_true(c.has_ext_fields);
    rj_buf_cleanup(&h);
    rj_buf_cleanup(&b);
}

static void
test_every_truncation_of_a_header_is_rejected(void **state)
{
    (void)state;
    const char *h = "{\"code\":310,\"extFields\":{\"a\":\"x\\u0001y\",\"n\":12,\"o\":{\"p\":[1]}},"
                    "\"flag\":0,\"language\":\"JAVA\",\"opaque\":7,\"remark\":\"\\ud83d\\ude00\","
                    "\"version\":409}";
    rj_buf_t b = RJ_BUF_INIT;
    rj_command_t c;
    size_t n = strlen(h);
    for (size_t cut = 0; cut < n; cut++) {
        int rc = decode(&b, h, cut, &c);
        if (rc != RJ_EMALFORMED) {
            fail_msg("prefix of %zu bytes accepted", cut);
        }
    }
    assert_int_equal(decode(&b, h, n, &c), 0);
    rj_buf_cleanup(&b);
}

static void
test_json_encode_escapes_and_round_trips(void **state)
{
    (void)state;
    rj_command_t c, d;
    rj_buf_t out = RJ_BUF_INIT;
    rj_command_init_request(&c, RJ_REQ_SEND_MESSAGE_V2);
    rj_command_add_ext_cstr(&c, "i", "KEYS\x01k\x02TAGS\x01\xe4\xb8\xad\xf0\x9f\x98\x80");
    rj_command_add_ext_cstr(&c, "q\"k", "\t");
    rj_command_add_ext_i64(&c, "min", INT64_MIN);
    c.language = 99; /* not in the table: written as a number */
    assert_int_equal(rj_command_encode(&c, &out), 0);
    const char *want = "\"i\":\"KEYS\\u0001k\\u0002TAGS\\u0001\xe4\xb8\xad\xf0\x9f\x98\x80\","
                       "\"q\\\"k\":\"\\t\",\"min\":\"-9223372036854775808\"";
    assert_non_null(memmem(out.data, out.len, want, strlen(want)));
    assert_non_null(memmem(out.data, out.len, "\"language\":99,", 14));
    assert_int_equal(rj_command_decode(out.data, out.len, 0, &d), (int64_t)out.len);
    assert_int_equal(d.language, 99);
    ASSERT_EXT(&d, "i", "KEYS\x01k\x02TAGS\x01\xe4\xb8\xad\xf0\x9f\x98\x80");
    ASSERT_EXT(&d, "q\"k", "\t");
    ASSERT_EXT(&d, "min", "-9223372036854775808");
    rj_buf_cleanup(&out);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_java_header_decodes),
        cmocka_unit_test(test_ali_ons_numbers_booleans_and_nulls),
        cmocka_unit_test(test_whitespace_unknown_keys_and_nesting_are_skipped),
        cmocka_unit_test(test_field_variants_fastjson_accepts),
        cmocka_unit_test(test_escapes_decode_to_utf8_in_place),
        cmocka_unit_test(test_malformed_headers_are_rejected),
        cmocka_unit_test(test_ext_field_limit),
        cmocka_unit_test(test_every_truncation_of_a_header_is_rejected),
        cmocka_unit_test(test_json_encode_escapes_and_round_trips),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
