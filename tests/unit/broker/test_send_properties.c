#include "broker/send_properties.h"

#include "common/message_properties.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

static bool
drop_wait_cluster(rj_bytes_t key, void *arg)
{
    (void)arg;
    return rj_bytes_eq_cstr(key, "WAIT") || rj_bytes_eq_cstr(key, "CLUSTER");
}

static const rj_bytes_t drops[] = {RJ_BYTES_LIT("WAIT"), RJ_BYTES_LIT("CLUSTER")};

/* The one-pass results equal the generic functions' for `text`. */
static void
expect_like_generic(const char *text, size_t len)
{
    rj_bytes_t props = rj_bytes(text, len);
    rj_send_props_t p;
    rj_send_props_parse(&p, props);
    rj_buf_t mine = RJ_BUF_INIT, theirs = RJ_BUF_INIT;
    assert_int_equal(rj_buf_append_cstr(&mine, "X"), 0); /* appends after existing bytes */
    assert_int_equal(rj_buf_append_cstr(&theirs, "X"), 0);
    assert_int_equal(rj_send_props_write(&p, drops, 2, &mine), 0);
    assert_int_equal(rj_message_properties_rewrite(props, drop_wait_cluster, NULL, &theirs), 0);
    assert_int_equal(mine.len, theirs.len);
    assert_memory_equal(mine.data, theirs.data, mine.len);
    const char *keys[] = {"WAIT", "TAGS", "KEYS", "DELAY", "TRAN_MSG", "UNIQ_KEY", "K40", "none"};
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        rj_bytes_t a = RJ_BYTES_NULL, b = RJ_BYTES_NULL;
        bool fa = rj_send_props_get(&p, rj_bytes_from_cstr(keys[i]), &a);
        bool fb = rj_message_properties_get(props, keys[i], &b);
        assert_int_equal(fa, fb);
        assert_true(!fa || (a.data == b.data && a.len == b.len));
    }
    rj_buf_cleanup(&mine);
    rj_buf_cleanup(&theirs);
}

static void
test_typical_client_properties(void **state)
{
    (void)state;
    const char t1[] = "UNIQ_KEY\001AC110001\002WAIT\001true\002TAGS\001tagA";
    expect_like_generic(t1, sizeof(t1) - 1);
    /* ali-ons and 5.x write a trailing separator. */
    const char t2[] = "KEYS\001k1 k2\002TAGS\001t\002WAIT\001false\002CLUSTER\001old\002";
    expect_like_generic(t2, sizeof(t2) - 1);
    expect_like_generic("", 0);
}

static void
test_duplicates_keep_first_place_and_last_value(void **state)
{
    (void)state;
    const char t[] = "TAGS\001a\002KEYS\001k\002TAGS\001bbbbbbbb\002WAIT\001x\002TAGS\001c";
    expect_like_generic(t, sizeof(t) - 1);
    rj_send_props_t p;
    rj_send_props_parse(&p, rj_bytes(t, sizeof(t) - 1));
    rj_buf_t out = RJ_BUF_INIT;
    assert_int_equal(rj_send_props_write(&p, NULL, 0, &out), 0);
    const char want[] = "TAGS\001c\002KEYS\001k\002WAIT\001x";
    assert_int_equal(out.len, sizeof(want) - 1);
    assert_memory_equal(out.data, want, out.len);
    rj_buf_cleanup(&out);
}

static void
test_segments_java_ignores(void **state)
{
    (void)state;
    /* Empty keys, empty values, segments without \x01, empty segments. */
    const char t[] = "\002\001v\002K\001\002novalue\002TAGS\001t\002\002A\001\001b";
    expect_like_generic(t, sizeof(t) - 1);
}

static void
test_more_keys_than_the_table_holds(void **state)
{
    (void)state;
    char text[2048];
    size_t len = 0;
    for (int i = 0; i < RJ_SEND_PROPS_MAX + 10; i++) {
        len +=
            (size_t)snprintf(text + len, sizeof(text) - len, "%sK%d\001v%d", i ? "\002" : "", i, i);
    }
    len += (size_t)snprintf(text + len, sizeof(text) - len, "\002WAIT\001true\002K3\001again");
    rj_send_props_t p;
    rj_send_props_parse(&p, rj_bytes(text, len));
    assert_true(p.overflow);
    expect_like_generic(text, len);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_typical_client_properties),
        cmocka_unit_test(test_duplicates_keep_first_place_and_last_value),
        cmocka_unit_test(test_segments_java_ignores),
        cmocka_unit_test(test_more_keys_than_the_table_holds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
