#include "common/properties.h"

#include "common/buf.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

static int
collect(const char *key, const char *value, int line, void *arg)
{
    rj_buf_t *out = arg;
    rj_buf_appendf(out, "%d[%s]=[%s]\n", line, key, value);
    return 0;
}

static char *
parse(const char *text, rj_buf_t *out)
{
    rj_buf_reset(out);
    assert_int_equal(rj_properties_parse(text, strlen(text), collect, out), 0);
    rj_buf_terminate(out);
    return (char *)out->data;
}

static void
test_separators_and_comments(void **state)
{
    (void)state;
    rj_buf_t out = RJ_BUF_INIT;
    assert_string_equal(parse("# comment\n! also\n\nbrokerName=broker-a\n"
                              "  listenPort : 10911\r\nflushDiskType ASYNC_FLUSH\nempty=\n",
                              &out),
                        "4[brokerName]=[broker-a]\n5[listenPort]=[10911]\n"
                        "6[flushDiskType]=[ASYNC_FLUSH]\n7[empty]=[]\n");
    rj_buf_cleanup(&out);
}

static void
test_escapes_and_continuations(void **state)
{
    (void)state;
    rj_buf_t out = RJ_BUF_INIT;
    assert_string_equal(parse("namesrvAddr=127.0.0.1:9876;\\\n    127.0.0.2:9876\n"
                              "a\\=b=c\\td\nu=\\u4e2d\nback=x\\\\\n",
                              &out),
                        "2[namesrvAddr]=[127.0.0.1:9876;127.0.0.2:9876]\n3[a=b]=[c\td]\n"
                        "4[u]=[\xe4\xb8\xad]\n5[back]=[x\\]\n");
    rj_buf_cleanup(&out);
}

static int
stop_at_second(const char *key, const char *value, int line, void *arg)
{
    int *count = arg;
    (void)key;
    (void)value;
    (void)line;
    return ++*count == 2 ? 42 : 0;
}

static void
test_callback_result_stops_parsing(void **state)
{
    (void)state;
    int count = 0;
    const char *text = "a=1\nb=2\nc=3\n";
    assert_int_equal(rj_properties_parse(text, strlen(text), stop_at_second, &count), 42);
    assert_int_equal(count, 2);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_separators_and_comments),
        cmocka_unit_test(test_escapes_and_continuations),
        cmocka_unit_test(test_callback_result_stops_parsing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
