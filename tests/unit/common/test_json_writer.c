#include "common/json_writer.h"

#include "ramjet/status.h"

#include <setjmp.h>
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
        cmocka_unit_test(test_unbalanced_or_too_deep_is_an_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
