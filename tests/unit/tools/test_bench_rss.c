/* RssAnon parsing of /proc/PID/status text, and reading a live process. */
#include "tools/mqbench/bench_rss.h"

#include "ramjet/status.h"

#include <string.h>
#include <unistd.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

static const char status_text[] = "Name:\tmqbroker\n"
                                  "VmRSS:\t   90000 kB\n"
                                  "RssAnon:\t   12345 kB\n"
                                  "RssFile:\t   77655 kB\n"
                                  "Threads:\t12\n";

static void
test_parse_finds_rss_anon(void **state)
{
    int64_t kib = -1;
    (void)state;
    assert_int_equal(rj_bench_rss_parse(status_text, strlen(status_text), &kib), RJ_OK);
    assert_int_equal(kib, 12345);
}

static void
test_parse_reports_missing_and_malformed_lines(void **state)
{
    int64_t kib = -1;
    (void)state;
    const char *none = "Name:\tx\nVmRSS:\t 1 kB\n";
    assert_int_equal(rj_bench_rss_parse(none, strlen(none), &kib), RJ_ENOTFOUND);
    const char *bad_unit = "RssAnon:\t 12 MB\n";
    assert_int_equal(rj_bench_rss_parse(bad_unit, strlen(bad_unit), &kib), RJ_EMALFORMED);
    const char *no_digits = "RssAnon:\t kB\n";
    assert_int_equal(rj_bench_rss_parse(no_digits, strlen(no_digits), &kib), RJ_EMALFORMED);
    const char *huge = "RssAnon:\t 99999999999999999999999 kB\n";
    assert_int_equal(rj_bench_rss_parse(huge, strlen(huge), &kib), RJ_EMALFORMED);
    /* A prefix cut in the middle of the line must not be read past its length. */
    assert_int_equal(rj_bench_rss_parse(status_text, 50, &kib), RJ_EMALFORMED);
    assert_int_equal(kib, -1);
    /* Last line without a newline. */
    const char *tail = "Name:\tx\nRssAnon:\t7 kB";
    assert_int_equal(rj_bench_rss_parse(tail, strlen(tail), &kib), RJ_OK);
    assert_int_equal(kib, 7);
}

static void
test_read_own_process_and_missing_process(void **state)
{
    int64_t kib = -1;
    (void)state;
    assert_int_equal(rj_bench_rss_read(getpid(), &kib), RJ_OK);
    assert_true(kib > 0);
    /* Above the kernel's pid_max limit (4194304): never a live process. */
    assert_int_equal(rj_bench_rss_read(2147483000, &kib), RJ_ENOENT);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_finds_rss_anon),
        cmocka_unit_test(test_parse_reports_missing_and_malformed_lines),
        cmocka_unit_test(test_read_own_process_and_missing_process),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
