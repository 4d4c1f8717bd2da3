/* Per-thread failure text and the library log callback. */
#include "client/last_error.h"

#include "common/log.h"
#include "ramjet/log.h"
#include "ramjet/status.h"

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

static void
test_fail_records_text_and_may_quote_itself(void **state)
{
    assert_int_equal(rj_client_fail(RJ_EINVAL, "first %d", 1), RJ_EINVAL);
    assert_string_equal(rj_last_error(), "first 1");
    assert_int_equal(rj_client_fail(RJ_EREMOTE, "second: %s", rj_last_error()), RJ_EREMOTE);
    assert_string_equal(rj_last_error(), "second: first 1");
    rj_client_clear_error();
    assert_string_equal(rj_last_error(), "");
}

static void *
other_thread(void *arg)
{
    (void)arg;
    rj_client_fail(RJ_EIO, "other thread");
    return NULL;
}

static void
test_text_is_per_thread(void **state)
{
    pthread_t t;
    rj_client_fail(RJ_EINVAL, "mine");
    pthread_create(&t, NULL, other_thread, NULL);
    pthread_join(t, NULL);
    assert_string_equal(rj_last_error(), "mine");
}

typedef struct {
    int calls;
    int level;
    char line[256];
    size_t len;
} captured_t;

static void
capture(int level, const char *line, size_t len, void *arg)
{
    captured_t *c = arg;
    c->calls++;
    c->level = level;
    c->len = len;
    snprintf(c->line, sizeof(c->line), "%s", line);
}

static void
test_log_callback_gets_lines_at_or_above_its_level(void **state)
{
    captured_t c = {0};

    assert_int_equal(rj_log_set_callback(capture, RJ_LOG_LEVEL_WARN, &c), RJ_OK);
    rj_log(RJ_LOG_INFO, 0, "not this one");
    assert_int_equal(c.calls, 0);
    rj_log(RJ_LOG_WARN, 0, "broker %s slow", "broker-a");
    assert_int_equal(c.calls, 1);
    assert_int_equal(c.level, RJ_LOG_LEVEL_WARN);
    assert_non_null(strstr(c.line, "broker broker-a slow"));
    assert_int_equal(c.len, strlen(c.line));
    assert_int_not_equal(c.line[c.len - 1], '\n');
    assert_int_equal(rj_log_set_callback(NULL, RJ_LOG_LEVEL_DEBUG, NULL), RJ_OK);
    rj_log(RJ_LOG_ERROR, 0, "silent again");
    assert_int_equal(c.calls, 1);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fail_records_text_and_may_quote_itself),
        cmocka_unit_test(test_text_is_per_thread),
        cmocka_unit_test(test_log_callback_gets_lines_at_or_above_its_level),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
