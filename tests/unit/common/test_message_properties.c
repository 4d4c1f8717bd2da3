#include "common/message_properties.h"

#include "common/buf.h"
#include "ramjet/status.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

static bool
get(const char *props, const char *key, const char *expect)
{
    rj_bytes_t v;
    if (!rj_message_properties_get(rj_bytes_from_cstr(props), key, &v)) {
        return expect == NULL;
    }
    return expect != NULL && rj_bytes_eq_cstr(v, expect);
}

static void
test_parses_with_and_without_trailing_separator(void **state)
{
    (void)state;
    /* 4.9.8 Java: no trailing \x02; ali-ons and 5.x: trailing \x02. */
    const char *java = "KEYS\x01k1 k2\x02UNIQ_KEY\x01"
                       "ABC\x02TAGS\x01TagA";
    const char *ons = "TAGS\x01TagA\x02KEYS\x01k1\x02";
    assert_true(get(java, "TAGS", "TagA"));
    assert_true(get(java, "KEYS", "k1 k2"));
    assert_true(get(java, "UNIQ_KEY", "ABC"));
    assert_true(get(java, "WAIT", NULL));
    assert_true(get(ons, "TAGS", "TagA"));
    assert_true(get(ons, "KEYS", "k1"));
    int n = 0;
    rj_message_properties_iter_t it;
    rj_bytes_t k, v;
    rj_message_properties_iter_init(&it, rj_bytes_from_cstr(ons));
    while (rj_message_properties_next(&it, &k, &v)) {
        n++;
    }
    assert_int_equal(n, 2);
}

static void
test_follows_java_segment_rules(void **state)
{
    (void)state;
    /* Empty key, empty value, no separator, empty segments are skipped. */
    const char *p = "\x01v\x02k\x01\x02noval\x02\x02\x02"
                    "a\x01"
                    "b\x01"
                    "c\x02x\x01y";
    assert_true(get(p, "k", NULL));
    assert_true(get(p, "noval", NULL));
    assert_true(get(p, "", NULL));
    /* The value runs to the segment end and may contain \x01. */
    assert_true(get(p, "a",
                    "b\x01"
                    "c"));
    assert_true(get(p, "x", "y"));
    /* Later duplicates win, as in Java's HashMap. */
    assert_true(get("K\x01one\x02K\x01two", "K", "two"));
    assert_true(get("", "K", NULL));
    rj_bytes_t v;
    assert_false(rj_message_properties_get(RJ_BYTES_NULL, "K", &v));
}

static void
test_append_writes_4_9_8_style(void **state)
{
    (void)state;
    rj_buf_t b = RJ_BUF_INIT;
    assert_int_equal(rj_message_properties_append_cstr(&b, "TAGS", "TagA"), 0);
    assert_int_equal(rj_message_properties_append_cstr(&b, "KEYS", "k"), 0);
    assert_int_equal(b.len, strlen("TAGS\x01TagA\x02KEYS\x01k"));
    assert_memory_equal(b.data, "TAGS\x01TagA\x02KEYS\x01k", b.len);
    rj_buf_cleanup(&b);
}

static bool
drop_wait(rj_bytes_t key, void *arg)
{
    (void)arg;
    return rj_bytes_eq_cstr(key, "WAIT");
}

static void
test_rewrite_dedups_and_drops(void **state)
{
    (void)state;
    rj_buf_t b = RJ_BUF_INIT;
    const char *in = "WAIT\x01true\x02TAGS\x01old\x02KEYS\x01k\x02TAGS\x01new\x02";
    assert_int_equal(rj_message_properties_rewrite(rj_bytes_from_cstr(in), drop_wait, NULL, &b), 0);
    const char *want = "TAGS\x01new\x02KEYS\x01k";
    assert_int_equal(b.len, strlen(want));
    assert_memory_equal(b.data, want, b.len);
    rj_buf_reset(&b);
    assert_int_equal(rj_message_properties_rewrite(rj_bytes_from_cstr("bad\x02"), NULL, NULL, &b),
                     0);
    assert_int_equal(b.len, 0);
    rj_buf_cleanup(&b);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parses_with_and_without_trailing_separator),
        cmocka_unit_test(test_follows_java_segment_rules),
        cmocka_unit_test(test_append_writes_4_9_8_style),
        cmocka_unit_test(test_rewrite_dedups_and_drops),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
