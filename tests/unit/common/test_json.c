#include "common/json.h"

#include "ramjet/status.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

static char *
normalize(const char *in, rj_buf_t *out)
{
    rj_buf_reset(out);
    int rc = rj_json_fastjson_normalize(in, strlen(in), out);
    if (rc != 0) {
        return NULL;
    }
    rj_buf_terminate(out);
    return (char *)out->data;
}

static void
test_unquoted_numeric_keys_become_strings(void **state)
{
    (void)state;
    rj_buf_t out = RJ_BUF_INIT;
    assert_string_equal(normalize("{\"brokerAddrs\":{0:\"127.0.0.1:10911\",1:\"x\"}}", &out),
                        "{\"brokerAddrs\":{\"0\":\"127.0.0.1:10911\",\"1\":\"x\"}}");
    /* consumerOffset.json as RocketMQ writes it: pretty-printed with tabs. */
    assert_string_equal(
        normalize("{\n\t\"offsetTable\":{\n\t\t\"T@g\":{0:251,1:-1\n\t\t}\n\t}\n}", &out),
        "{\"offsetTable\":{\"T@g\":{\"0\":251,\"1\":-1}}}");
    rj_buf_cleanup(&out);
}

static void
test_object_keys_become_json_text_strings(void **state)
{
    (void)state;
    rj_buf_t out = RJ_BUF_INIT;
    const char *in =
        "{\"offsetTable\":{{\"brokerName\":\"broker-a\",\"queueId\":3,\"topic\":"
        "\"TopicTest\"}:{\"lastUpdateTimestamp\":1,\"maxOffset\":251,\"minOffset\":0}}}";
    assert_string_equal(
        normalize(in, &out),
        "{\"offsetTable\":{\"{\\\"brokerName\\\":\\\"broker-a\\\",\\\"queueId\\\":3,\\\"topic\\\":"
        "\\\"TopicTest\\\"}\":{\"lastUpdateTimestamp\":1,\"maxOffset\":251,\"minOffset\":0}}}");
    json_t *root = rj_json_parse(in, strlen(in), NULL, 0);
    assert_non_null(root);
    const char *key;
    json_t *value;
    json_object_foreach(json_object_get(root, "offsetTable"), key, value)
    {
        json_t *mq = rj_json_parse(key, strlen(key), NULL, 0);
        assert_string_equal(rj_json_get_str(mq, "topic", NULL), "TopicTest");
        assert_int_equal(rj_json_get_int(mq, "queueId", -1), 3);
        assert_int_equal(rj_json_get_int(value, "maxOffset", -1), 251);
        json_decref(mq);
    }
    json_decref(root);
    rj_buf_cleanup(&out);
}

static void
test_malformed_input_is_rejected(void **state)
{
    (void)state;
    rj_buf_t out = RJ_BUF_INIT;
    assert_null(normalize("{\"a\":", &out));
    assert_null(normalize("{\"a\" 1}", &out));
    assert_null(normalize("[1,2", &out));
    assert_null(normalize("\"unterminated", &out));
    assert_null(normalize("{} trailing", &out));
    char deep[300];
    memset(deep, '[', sizeof(deep) - 1);
    deep[sizeof(deep) - 1] = '\0';
    assert_null(normalize(deep, &out));
    char err[128] = "";
    assert_null(rj_json_parse("{oops", 5, err, sizeof(err)));
    assert_true(strlen(err) > 0);
    rj_buf_cleanup(&out);
}

static void
test_getters_tolerate_strings_and_numbers(void **state)
{
    (void)state;
    const char *in = "{\"queueId\":0,\"s\":\"12\",\"b\":\"TRUE\",\"f\":false,\"r\":2.0,\"n\":null}";
    json_t *o = rj_json_parse(in, strlen(in), NULL, 0);
    assert_int_equal(rj_json_get_int(o, "queueId", -1), 0);
    assert_int_equal(rj_json_get_int(o, "s", -1), 12);
    assert_int_equal(rj_json_get_int(o, "r", -1), 2);
    assert_int_equal(rj_json_get_int(o, "n", -1), -1);
    assert_int_equal(rj_json_get_int(o, "missing", -1), -1);
    json_t *huge = json_real(1.7e129);
    int64_t v = 0;
    assert_false(rj_json_as_int(huge, &v));
    json_decref(huge);
    assert_true(rj_json_get_bool(o, "b", false));
    assert_false(rj_json_get_bool(o, "f", true));
    assert_string_equal(rj_json_get_str(o, "s", NULL), "12");
    assert_null(rj_json_get_str(o, "queueId", NULL));
    rj_buf_t out = RJ_BUF_INIT;
    assert_int_equal(rj_json_dump(o, &out), 0);
    rj_buf_terminate(&out);
    assert_string_equal(
        (char *)out.data,
        "{\"b\":\"TRUE\",\"f\":false,\"n\":null,\"queueId\":0,\"r\":2.0,\"s\":\"12\"}");
    rj_buf_cleanup(&out);
    json_decref(o);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unquoted_numeric_keys_become_strings),
        cmocka_unit_test(test_object_keys_become_json_text_strings),
        cmocka_unit_test(test_malformed_input_is_rejected),
        cmocka_unit_test(test_getters_tolerate_strings_and_numbers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
