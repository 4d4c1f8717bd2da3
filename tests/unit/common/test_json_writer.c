#include "common/json_writer.h"

#include "common/alloc.h"
#include "ramjet/status.h"

#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

static void
test_writes_header_like_java(void **state)
{
    (void)state;
    rj_buf_t out = RJ_BUF_INIT;
    rj_json_writer_t w;
    rj_jw_init(&w, &out, 0);
    rj_jw_object_begin(&w);
    rj_jw_key(&w, "code");
    rj_jw_int(&w, 0);
    rj_jw_key(&w, "extFields");
    rj_jw_object_begin(&w);
    rj_jw_key(&w, "queueOffset");
    rj_jw_int_string(&w, -12);
    rj_jw_key(&w, "i");
    rj_jw_string(&w, "KEYS\x01k1\x02TAGS\x01TagA");
    rj_jw_object_end(&w);
    rj_jw_key(&w, "flag");
    rj_jw_int(&w, 1);
    rj_jw_key(&w, "ok");
    rj_jw_bool(&w, true);
    rj_jw_key(&w, "list");
    rj_jw_array_begin(&w);
    rj_jw_int(&w, 1);
    rj_jw_null(&w);
    rj_jw_double(&w, 0.0);
    rj_jw_double(&w, 12.5);
    rj_jw_array_end(&w);
    rj_jw_object_end(&w);
    assert_int_equal(rj_jw_finish(&w), 0);
    rj_buf_terminate(&out);
    assert_string_equal(
        (char *)out.data,
        "{\"code\":0,\"extFields\":{\"queueOffset\":\"-12\",\"i\":\"KEYS\\u0001k1"
        "\\u0002TAGS\\u0001TagA\"},\"flag\":1,\"ok\":true,\"list\":[1,null,0.0,12.5]}");
    rj_buf_cleanup(&out);
}

static void
test_fastjson_keys(void **state)
{
    (void)state;
    rj_buf_t out = RJ_BUF_INIT;
    rj_json_writer_t w;
    rj_jw_init(&w, &out, 0);
    rj_jw_object_begin(&w);
    rj_jw_key_int_unquoted(&w, 0);
    rj_jw_string(&w, "a");
    rj_jw_key_raw(&w, "{\"q\":1}", 7);
    rj_jw_int(&w, 5);
    rj_jw_object_end(&w);
    assert_int_equal(rj_jw_finish(&w), 0);
    rj_buf_terminate(&out);
    assert_string_equal((char *)out.data, "{0:\"a\",{\"q\":1}:5}");
    rj_buf_cleanup(&out);
}

static void
test_ascii_only_escapes_non_ascii_with_surrogates(void **state)
{
    (void)state;
    rj_buf_t out = RJ_BUF_INIT;
    const char *s = "\xc3\xa9\xf0\x9f\x9a\x80\"\\/";
    assert_int_equal(rj_json_append_string(&out, s, strlen(s), RJ_JW_ASCII_ONLY), 0);
    rj_buf_terminate(&out);
    assert_string_equal((char *)out.data, "\"\\u00e9\\ud83d\\ude80\\\"\\\\/\"");
    rj_buf_reset(&out);
    assert_int_equal(rj_json_append_string(&out, s, strlen(s), 0), 0);
    rj_buf_terminate(&out);
    assert_string_equal((char *)out.data, "\"\xc3\xa9\xf0\x9f\x9a\x80\\\"\\\\/\"");
    rj_buf_cleanup(&out);
}

/* Byte-by-byte reference escaper (the writer's behaviour before its bulk-copy fast path). */
static void
ref_u(rj_buf_t *o, unsigned unit)
{
    char t[7];
    snprintf(t, sizeof(t), "\\u%04x", unit & 0xFFFF);
    rj_buf_append(o, t, 6);
}

static void
ref_escape(rj_buf_t *o, const uint8_t *p, size_t len, bool ascii_only)
{
    rj_buf_append_u8(o, '"');
    for (size_t i = 0; i < len;) {
        uint8_t c = p[i];
        if (c >= 0x20 && c != '"' && c != '\\' && (c < 0x80 || !ascii_only)) {
            rj_buf_append_u8(o, c);
            i++;
            continue;
        }
        const char *esc = c == '"'    ? "\\\""
                          : c == '\\' ? "\\\\"
                          : c == '\n' ? "\\n"
                          : c == '\r' ? "\\r"
                          : c == '\t' ? "\\t"
                          : c == '\b' ? "\\b"
                          : c == '\f' ? "\\f"
                                      : NULL;
        if (esc != NULL) {
            rj_buf_append(o, esc, 2);
            i++;
            continue;
        }
        if (c < 0x80) {
            ref_u(o, c);
            i++;
            continue;
        }
        /* UTF-8 decode; malformed → U+FFFD, one byte. */
        size_t need = c >= 0xF0 && c <= 0xF4 ? 3 : c >= 0xE0 ? 2 : c >= 0xC2 ? 1 : 0;
        uint32_t cp = need == 3 ? (c & 7u) : need == 2 ? (c & 15u) : (c & 31u);
        bool ok = need > 0 && c < 0xF5 && need < len - i;
        for (size_t k = 1; ok && k <= need; k++) {
            ok = (p[i + k] & 0xC0) == 0x80;
            cp = (cp << 6) | (p[i + k] & 0x3Fu);
        }
        if (!ok) {
            ref_u(o, 0xFFFD);
            i++;
        } else if (cp >= 0x10000) {
            ref_u(o, 0xD800 + ((cp - 0x10000) >> 10));
            ref_u(o, 0xDC00 + ((cp - 0x10000) & 0x3FF));
            i += need + 1;
        } else {
            ref_u(o, cp);
            i += need + 1;
        }
    }
    rj_buf_append_u8(o, '"');
}

static void
test_escaper_matches_reference_on_random_strings(void **state)
{
    (void)state;
    unsigned seed = (unsigned)time(NULL);
    const char *env = getenv("RJ_TEST_SEED");
    if (env != NULL) {
        seed = (unsigned)strtoul(env, NULL, 10);
    }
    printf("seed %u (RJ_TEST_SEED=%u repeats this run)\n", seed, seed);
    srand(seed);
    /* Mostly plain text with sparse escapes, as message properties are, plus random bytes. */
    static const uint8_t pool[] = {'a',  'Z',  '0',  ' ',  '~',  0x01, 0x02, '"',  '\\', '\n', 0x1f,
                                   0x7f, 0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x9a, 0x80};
    uint8_t in[300];
    rj_buf_t got = RJ_BUF_INIT, want = RJ_BUF_INIT;
    for (int iter = 0; iter < 20000; iter++) {
        size_t len = (size_t)(rand() % (int)sizeof(in));
        int mode = rand() % 3;
        for (size_t i = 0; i < len; i++) {
            if (mode == 0) {
                in[i] = (uint8_t)rand();
            } else if (mode == 1 || rand() % 16 == 0) {
                in[i] = pool[rand() % (int)sizeof(pool)];
            } else {
                in[i] = (uint8_t)('a' + rand() % 26);
            }
        }
        for (int ascii = 0; ascii < 2; ascii++) {
            /* Appended after existing bytes, from a buffer just big enough or empty. */
            rj_buf_reset(&got);
            rj_buf_reset(&want);
            rj_buf_append(&got, "x", 1);
            rj_buf_append(&want, "x", 1);
            assert_int_equal(
                rj_json_append_string(&got, (const char *)in, len, ascii ? RJ_JW_ASCII_ONLY : 0),
                0);
            ref_escape(&want, in, len, ascii);
            if (got.len != want.len || memcmp(got.data, want.data, got.len) != 0) {
                fail_msg("seed %u iteration %d ascii_only=%d: output differs", seed, iter, ascii);
            }
        }
        if (iter % 1000 == 0) {
            rj_buf_cleanup(&got); /* exercise growth from nothing */
        }
    }
    rj_buf_cleanup(&got);
    rj_buf_cleanup(&want);
}

static void
test_escaper_out_of_memory_leaves_buffer_unchanged(void **state)
{
    (void)state;
    rj_buf_t out = RJ_BUF_INIT;
    /* 40 control bytes: the first reservation fits them, their escapes need more room. */
    char s[41];
    memset(s, 0x01, 40);
    s[40] = 0;
    assert_int_equal(rj_buf_append(&out, "ab", 2), 0);
    size_t cap = out.cap;
    assert_true(cap >= 2 + strlen(s) + 2);
    assert_true(cap < 2 + 6 * strlen(s) + 2);
    rj_alloc_fail_after(0);
    int rc = rj_json_append_string(&out, s, strlen(s), 0);
    rj_alloc_fail_after(-1);
    assert_int_equal(rc, RJ_ENOMEM);
    assert_int_equal(out.len, 2);
    assert_memory_equal(out.data, "ab", 2);
    assert_int_equal(rj_json_append_string(&out, s, strlen(s), 0), 0);
    assert_int_equal(out.len, 2 + 2 + 6 * 40);
    for (size_t i = 0; i < 40; i++) {
        assert_memory_equal(out.data + 3 + 6 * i, "\\u0001", 6);
    }
    rj_buf_cleanup(&out);
}

static void
test_unbalanced_or_too_deep_is_an_error(void **state)
{
    (void)state;
    rj_buf_t out = RJ_BUF_INIT;
    rj_json_writer_t w;
    rj_jw_init(&w, &out, 0);
    rj_jw_object_begin(&w);
    assert_int_equal(rj_jw_finish(&w), RJ_EINVAL);
    rj_buf_reset(&out);
    rj_jw_init(&w, &out, 0);
    for (int i = 0; i < RJ_JSON_MAX_DEPTH + 1; i++) {
        rj_jw_array_begin(&w);
    }
    assert_int_equal(rj_jw_finish(&w), RJ_ETOOLARGE);
    rj_buf_cleanup(&out);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_writes_header_like_java),
        cmocka_unit_test(test_fastjson_keys),
        cmocka_unit_test(test_ascii_only_escapes_non_ascii_with_surrogates),
        cmocka_unit_test(test_escaper_matches_reference_on_random_strings),
        cmocka_unit_test(test_escaper_out_of_memory_leaves_buffer_unchanged),
        cmocka_unit_test(test_unbalanced_or_too_deep_is_an_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
