/* mqbench command line: defaults, every flag, per-command applicability, errors, help. */
#include "tools/mqbench/bench_options.h"

#include "ramjet/status.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

static char err[256];
static rj_bench_options_t o;
static char help[16384];

/* Parses a NULL-terminated list; help text goes to `help`. */
static int
parse_env(const char *env, const char *const *args)
{
    char *argv[64];
    int argc = 0;
    argv[argc++] = (char *)"mqbench";
    for (; *args != NULL; args++) {
        argv[argc++] = (char *)*args;
    }
    argv[argc] = NULL;
    FILE *out = fmemopen(help, sizeof(help), "w");
    assert_non_null(out);
    err[0] = '\0';
    int rc = rj_bench_options_parse(argc, argv, env, &o, out, err, sizeof(err));
    fclose(out);
    return rc;
}

#define PARSE(...) parse_env(NULL, (const char *const[]){__VA_ARGS__, NULL})

static void
test_defaults(void **state)
{
    (void)state;
    assert_int_equal(PARSE("produce"), RJ_OK);
    assert_int_equal(o.command, RJ_BENCH_PRODUCE);
    assert_string_equal(o.namesrv, "127.0.0.1:9876");
    assert_string_equal(o.topic, "BenchmarkTest");
    assert_int_equal(o.size, 1024);
    assert_int_equal(o.mode, RJ_BENCH_SYNC);
    assert_int_equal(o.threads, 64);
    assert_int_equal(o.batch, 1);
    assert_true(o.rate == 0);
    assert_int_equal(o.inflight, 1024);
    assert_false(o.json);
    assert_false(o.keys);
    assert_int_equal(o.rss_pid, 0);
    assert_true(o.duration_s == 0);
    assert_int_equal(o.max_failures, 0);
    assert_string_equal(o.tags, "");
    assert_non_null(strstr(o.group, "mqbench_producer_"));
    /* Async and one-way default to 2 threads (a sender thread is not tied to an answer). */
    assert_int_equal(PARSE("e2e", "--mode", "async"), RJ_OK);
    assert_int_equal(o.threads, 2);
    assert_non_null(strstr(o.group, "mqbench_consumer_"));
}

static void
test_namesrv_from_environment_and_flag(void **state)
{
    (void)state;
    assert_int_equal(
        parse_env("10.0.0.1:9876;10.0.0.2:9876", (const char *const[]){"consume", NULL}), RJ_OK);
    assert_string_equal(o.namesrv, "10.0.0.1:9876;10.0.0.2:9876");
    assert_int_equal(
        parse_env("10.0.0.1:9876", (const char *const[]){"consume", "-n", "h:1", NULL}), RJ_OK);
    assert_string_equal(o.namesrv, "h:1");
}

static void
test_every_produce_flag(void **state)
{
    (void)state;
    assert_int_equal(PARSE("produce", "-n", "127.0.0.1:1", "-t", "T", "--size", "100", "--threads",
                           "8", "--mode", "async", "--batch", "16", "--rate", "50000.5",
                           "--inflight", "64", "--tags", "TagA", "--keys", "--producers", "2",
                           "--queues", "4", "--timeout", "500", "--group", "PG", "--duration=30",
                           "--warmup", "5", "--max-failures", "10", "--json", "--report-rss",
                           "1234"),
                     RJ_OK);
    assert_string_equal(o.namesrv, "127.0.0.1:1");
    assert_string_equal(o.topic, "T");
    assert_int_equal(o.size, 100);
    assert_int_equal(o.threads, 8);
    assert_int_equal(o.mode, RJ_BENCH_ASYNC);
    assert_int_equal(o.batch, 16);
    assert_true(o.rate == 50000.5);
    assert_int_equal(o.inflight, 64);
    assert_string_equal(o.tags, "TagA");
    assert_true(o.keys);
    assert_int_equal(o.producers, 2);
    assert_int_equal(o.queues, 4);
    assert_int_equal(o.send_timeout_ms, 500);
    assert_string_equal(o.group, "PG");
    assert_true(o.duration_s == 30);
    assert_true(o.warmup_s == 5);
    assert_int_equal(o.max_failures, 10);
    assert_true(o.json);
    assert_int_equal(o.rss_pid, 1234);
    /* Short forms. */
    assert_int_equal(PARSE("produce", "-s", "64", "-w", "3", "-b", "2", "-r", "10", "-d", "1"),
                     RJ_OK);
    assert_int_equal(o.size, 64);
    assert_int_equal(o.threads, 3);
    assert_int_equal(o.batch, 2);
    assert_true(o.rate == 10);
    assert_true(o.duration_s == 1);
}

static void
test_every_consume_flag(void **state)
{
    (void)state;
    assert_int_equal(PARSE("consume", "-g", "G1", "--consume-threads", "3", "--consume-batch", "8",
                           "--pull-batch", "64", "--from", "first", "--tags", "A || B"),
                     RJ_OK);
    assert_string_equal(o.group, "G1");
    assert_int_equal(o.consume_threads, 3);
    assert_int_equal(o.consume_batch, 8);
    assert_int_equal(o.pull_batch, 64);
    assert_true(o.from_first);
    assert_string_equal(o.tags, "A || B");
    assert_int_equal(PARSE("e2e", "-c", "2", "--drain", "3"), RJ_OK);
    assert_int_equal(o.consume_threads, 2);
    assert_true(o.drain_s == 3);
}

static void
test_flags_of_other_commands_are_refused(void **state)
{
    (void)state;
    assert_int_equal(PARSE("consume", "--mode", "async"), RJ_EINVAL);
    assert_non_null(strstr(err, "--mode"));
    assert_non_null(strstr(err, "consume"));
    assert_int_equal(PARSE("produce", "--consume-threads", "2"), RJ_EINVAL);
    assert_int_equal(PARSE("produce", "--drain", "2"), RJ_EINVAL);
    assert_int_equal(PARSE("e2e", "--from", "first"), RJ_EINVAL);
}

static void
test_bad_values_are_named(void **state)
{
    (void)state;
    const char *const *cases[] = {
        (const char *const[]){"produce", "--size", "0", NULL},
        (const char *const[]){"produce", "--size", "12k", NULL},
        (const char *const[]){"produce", "--threads", "-1", NULL},
        (const char *const[]){"produce", "--mode", "fast", NULL},
        (const char *const[]){"produce", "--rate", "nan", NULL},
        (const char *const[]){"produce", "--rate", "-5", NULL},
        (const char *const[]){"produce", "--batch", "1025", NULL},
        (const char *const[]){"produce", "--duration", "x", NULL},
        (const char *const[]){"produce", "--report-rss", "abc", NULL},
        (const char *const[]){"produce", "--topic", "", NULL},
        (const char *const[]){"consume", "--from", "middle", NULL},
        (const char *const[]){"produce", "--mode", "oneway", "--batch", "4", NULL},
        (const char *const[]){"produce", "--duration", "5", "--warmup", "5", NULL},
        (const char *const[]){"produce", "--size", NULL},
        (const char *const[]){"produce", "--bogus", NULL},
        (const char *const[]){"produce", "-Z", NULL},
        (const char *const[]){"produce", "extra", NULL},
        (const char *const[]){"frobnicate", NULL},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        assert_int_equal(parse_env(NULL, cases[i]), RJ_EINVAL);
        assert_true(strlen(err) > 0);
    }
    assert_int_equal(PARSE("produce", "--size", "12k"), RJ_EINVAL);
    assert_non_null(strstr(err, "12k"));
    assert_int_equal(PARSE("frobnicate"), RJ_EINVAL);
    assert_non_null(strstr(err, "frobnicate"));
    /* No command at all. */
    assert_int_equal(parse_env(NULL, (const char *const[]){NULL}), RJ_EINVAL);
}

static void
test_help_lists_only_the_commands_flags(void **state)
{
    (void)state;
    assert_int_equal(PARSE("consume", "-h"), RJ_BENCH_HELP);
    assert_non_null(strstr(help, "usage: mqbench consume"));
    assert_non_null(strstr(help, "--consume-threads"));
    assert_non_null(strstr(help, "--report-rss"));
    assert_null(strstr(help, "--inflight"));
    assert_int_equal(PARSE("produce", "--help"), RJ_BENCH_HELP);
    assert_non_null(strstr(help, "--inflight"));
    assert_non_null(strstr(help, "--mode"));
    assert_null(strstr(help, "--consume-threads"));
    assert_int_equal(PARSE("-h"), RJ_BENCH_HELP);
    assert_non_null(strstr(help, "produce"));
    assert_non_null(strstr(help, "e2e"));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_namesrv_from_environment_and_flag),
        cmocka_unit_test(test_every_produce_flag),
        cmocka_unit_test(test_every_consume_flag),
        cmocka_unit_test(test_flags_of_other_commands_are_refused),
        cmocka_unit_test(test_bad_values_are_named),
        cmocka_unit_test(test_help_lists_only_the_commands_flags),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
