/*
 * The example programs run against real daemons: the quick-start producer's
 * messages reach the quick-start consumer, and the batch, delay, ordered and
 * lite pull examples complete. Keeps examples/ working, not just compiling.
 */
#include "client_fixture.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <cmocka.h>

static it_cluster_t cluster;

/* Runs examples/<name> with the name server and `extra` args; returns exit code, output in `out`.
 */
static int
run_example(const char *name, const char *extra, char *out, size_t size)
{
    const char *bin = getenv("RJ_BIN_DIR");
    char cmd[1024];
    size_t len = 0;

    snprintf(cmd, sizeof(cmd), "'%s/../examples/example_%s' %s %s 2>&1", bin != NULL ? bin : ".",
             name, it_namesrv(&cluster), extra != NULL ? extra : "");
    FILE *f = popen(cmd, "r");
    assert_non_null(f);
    out[0] = '\0';
    while (len + 1 < size) {
        size_t n = fread(out + len, 1, size - 1 - len, f);
        if (n == 0) {
            break;
        }
        len += n;
    }
    out[len] = '\0';
    int status = pclose(f);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static int
count_lines_with(const char *text, const char *needle)
{
    int n = 0;
    for (const char *p = text; (p = strstr(p, needle)) != NULL; p += strlen(needle)) {
        n++;
    }
    return n;
}

static void
test_examples_run(void **state)
{
    static char out[65536];

    it_create_topic(&cluster, "TopicTest", 4);
    assert_int_equal(run_example("quickstart_producer", NULL, out, sizeof(out)), 0);
    assert_int_equal(count_lines_with(out, "SendResult [status=0"), 10);
    assert_int_equal(run_example("quickstart_consumer", "3", out, sizeof(out)), 0);
    assert_int_equal(count_lines_with(out, "Receive New Messages:"), 10);
    assert_int_equal(run_example("batch_producer", NULL, out, sizeof(out)), 0);
    assert_non_null(strstr(out, "batch stored in queue"));
    assert_int_equal(run_example("delay_producer", NULL, out, sizeof(out)), 0);
    assert_non_null(strstr(out, "delay-level message"));
    assert_int_equal(run_example("ordered_producer", NULL, out, sizeof(out)), 0);
    assert_int_equal(count_lines_with(out, " -> queue "), 40);
    assert_int_equal(run_example("pull_consumer", NULL, out, sizeof(out)), 0);
    assert_non_null(strstr(out, "polled 10 messages"));
    assert_int_equal(run_example("broadcast_consumer", "2", out, sizeof(out)), 0);
    assert_int_equal(count_lines_with(out, "broadcast: Hello RocketMQ"), 10);
}

static int
setup(void **state)
{
    it_log_from_env();
    it_cluster_start(&cluster, 1);
    return 0;
}

static int
teardown(void **state)
{
    it_cluster_stop(&cluster);
    return 0;
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_examples_run),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
