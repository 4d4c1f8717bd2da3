#include "common/log.h"

#include "common/buf.h"
#include "ramjet/status.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

static rj_buf_t captured;
static int lines;

static void
capture(rj_log_level_t level, const char *line, size_t len, void *arg)
{
    (void)level;
    (void)arg;
    rj_buf_append(&captured, line, len);
    lines++;
}

static void
test_level_filter_and_error_text(void **state)
{
    (void)state;
    rj_log_set_sink(capture, NULL);
    rj_log_set_level(RJ_LOG_INFO);
    rj_log(RJ_LOG_DEBUG, 0, "hidden %d", 1);
    assert_int_equal(lines, 0);
    rj_log(RJ_LOG_WARN, RJ_ETIMEDOUT, "topic=%s qid=%d", "T", 3);
    assert_int_equal(lines, 1);
    rj_buf_terminate(&captured);
    const char *s = (const char *)captured.data;
    assert_non_null(strstr(s, "WARN "));
    assert_non_null(strstr(s, "topic=T qid=3: "));
    assert_non_null(strstr(s, rj_strerror(RJ_ETIMEDOUT)));
    assert_int_equal(s[captured.len - 1], '\n');
    rj_log_set_sink(NULL, NULL);
}

static void
test_ratelimited_lines_are_counted(void **state)
{
    (void)state;
    rj_buf_reset(&captured);
    lines = 0;
    rj_log_set_sink(capture, NULL);
    for (int i = 0; i < 5; i++) {
        rj_log_ratelimited(60000, RJ_LOG_ERROR, 0, "disk full");
    }
    assert_int_equal(lines, 1);
    rj_log_set_sink(NULL, NULL);
    rj_buf_cleanup(&captured);
}

static void
test_level_names_parse(void **state)
{
    (void)state;
    assert_int_equal(rj_log_level_parse("warn"), RJ_LOG_WARN);
    assert_int_equal(rj_log_level_parse("DEBUG"), RJ_LOG_DEBUG);
    assert_int_equal(rj_log_level_parse("loud"), -1);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_level_filter_and_error_text),
        cmocka_unit_test(test_ratelimited_lines_are_counted),
        cmocka_unit_test(test_level_names_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
