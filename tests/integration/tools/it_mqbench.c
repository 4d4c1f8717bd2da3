/*
 * mqbench against a real mqnamesrv + mqbroker (port 0, temp dirs): produce and
 * e2e runs with --json must report what they did (sends, no failures, every
 * message received after the drain, ordered percentiles, the broker's
 * RssAnon), and setup errors must give a clear message and exit status 2.
 */
#include "support/daemon.h"
#include "support/tempdir.h"

#include "common/buf.h"

#include <jansson.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

typedef struct {
    rj_daemon_t *ns;
    rj_daemon_t *broker;
    char *dir; /* mqbench's stderr lands here */
} cluster_t;

static int
start_cluster(void **state)
{
    cluster_t *c = calloc(1, sizeof(*c));
    static const char *const ns_args[] = {"-c", "{dir}/namesrv.conf", NULL};
    rj_daemon_options_t ns_opts = {
        .binary = "mqnamesrv",
        .args = ns_args,
        .config_name = "namesrv.conf",
        .config_text = "listenPort={port}\nbindAddress=127.0.0.1\n"
                       "kvConfigPath={dir}/store/kvConfig.json\nlogDir={dir}/logs\n",
        .external_env = "RJ_TEST_NAMESRV",
    };
    if (c == NULL || rj_daemon_start(&ns_opts, &c->ns) != 0) {
        return -1;
    }
    char conf[2048];
    snprintf(conf, sizeof(conf),
             "brokerClusterName=DefaultCluster\nbrokerName=broker-a\nbrokerId=0\n"
             "listenPort={port}\nbrokerIP1=127.0.0.1\nbrokerIP2=127.0.0.1\n"
             "storePathRootDir={dir}/store\nlogDir={dir}/logs\n"
             "mappedFileSizeCommitLog=67108864\nnamesrvAddr=%s\n",
             rj_daemon_addr(c->ns));
    static const char *const broker_args[] = {"-c", "{dir}/broker.conf", NULL};
    rj_daemon_options_t broker_opts = {
        .binary = "mqbroker",
        .args = broker_args,
        .config_name = "broker.conf",
        .config_text = conf,
        .external_env = "RJ_TEST_BROKER",
    };
    if (rj_daemon_start(&broker_opts, &c->broker) != 0 ||
        rj_tempdir_create("mqbench", &c->dir) != 0) {
        return -1;
    }
    *state = c;
    return 0;
}

static int
stop_cluster(void **state)
{
    cluster_t *c = *state;
    int status = -1;
    if (c == NULL) {
        return 0;
    }
    if (c->broker != NULL && !rj_daemon_is_external(c->broker)) {
        rj_daemon_stop(c->broker, 20000, &status);
    }
    rj_daemon_destroy(c->broker);
    if (c->ns != NULL && !rj_daemon_is_external(c->ns)) {
        rj_daemon_stop(c->ns, 10000, &status);
    }
    rj_daemon_destroy(c->ns);
    rj_tempdir_remove(c->dir);
    free(c);
    return status == 0 ? 0 : -1;
}

/*
 * Runs mqbench with `args` (shell words); stdout into *out, stderr into
 * <dir>/stderr.txt (printed when the run fails). Returns the exit status.
 */
static int
run_mqbench(const cluster_t *c, const char *args, rj_buf_t *out)
{
    char cmd[8192];
    /* `timeout`: a run that hangs must fail the test, not stall the suite. */
    snprintf(cmd, sizeof(cmd), "timeout -s KILL 120 '%s/mqbench' %s 2>'%s/stderr.txt'",
             getenv("RJ_BIN_DIR"), args, c->dir);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    char chunk[4096];
    size_t n;
    rj_buf_reset(out);
    while ((n = fread(chunk, 1, sizeof(chunk), p)) > 0) {
        rj_buf_append(out, chunk, n);
    }
    rj_buf_terminate(out);
    int status = pclose(p);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static void
read_stderr(const cluster_t *c, char *text, size_t cap)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/stderr.txt", c->dir);
    FILE *f = fopen(path, "r");
    size_t n = f != NULL ? fread(text, 1, cap - 1, f) : 0;
    text[n] = '\0';
    if (f != NULL) {
        fclose(f);
    }
}

/* stderr of the last run_json(), shown when a check on its summary fails. */
static char last_stderr[16384];

#define CHECK(cond)                                                                \
    do {                                                                           \
        if (!(cond)) {                                                             \
            fail_msg("%s does not hold; mqbench stderr:\n%s", #cond, last_stderr); \
        }                                                                          \
    } while (0)

static json_t *
run_json(const cluster_t *c, const char *args)
{
    rj_buf_t out = RJ_BUF_INIT;
    int rc = run_mqbench(c, args, &out);
    read_stderr(c, last_stderr, sizeof(last_stderr));
    if (rc != 0) {
        fail_msg("mqbench %s: exit %d\nstdout: %s\nstderr: %s", args, rc, (const char *)out.data,
                 last_stderr);
    }
    json_error_t e;
    json_t *obj = json_loads((const char *)out.data, 0, &e);
    if (obj == NULL || !json_is_object(obj)) {
        fail_msg("stdout is not one JSON object (%s): %s", e.text, (const char *)out.data);
    }
    rj_buf_cleanup(&out);
    return obj;
}

static double
num(const json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    if (!json_is_number(v)) {
        fail_msg("no number '%s' in the JSON summary", key);
    }
    return json_number_value(v);
}

static void
expect_ordered_latencies(const json_t *obj)
{
    double p50 = num(obj, "p50_ms"), p99 = num(obj, "p99_ms"), p999 = num(obj, "p999_ms"),
           max = num(obj, "max_ms");
    CHECK(p50 > 0);
    CHECK(p50 <= p99 && p99 <= p999 && p999 <= max);
}

static void
test_produce_json_reports_sends_latencies_and_broker_memory(void **state)
{
    cluster_t *c = *state;
    char args[1024];
    snprintf(args, sizeof(args),
             "produce -n %s -t ItBenchProduce --duration 2 --threads 8 --json --report-rss %ld",
             rj_daemon_addr(c->ns), (long)rj_daemon_pid(c->broker));
    json_t *obj = run_json(c, args);
    CHECK(num(obj, "sent") > 0);
    CHECK(num(obj, "failed") == 0);
    CHECK(num(obj, "tps") > 0);
    CHECK(num(obj, "latency_samples") > 0);
    expect_ordered_latencies(obj);
    CHECK(num(obj, "broker_rss_anon_max_kib") > 0);
    CHECK(num(obj, "broker_rss_samples") >= 2);
    CHECK(json_is_true(json_object_get(obj, "ok")));
    json_decref(obj);
}

static void
test_async_batch_produce_counts_whole_batches(void **state)
{
    cluster_t *c = *state;
    char args[1024];
    snprintf(args, sizeof(args),
             "produce -n %s -t ItBenchBatch --duration 1 --mode async --batch 8 --inflight 64 "
             "--size 200 --keys --tags TagA --json",
             rj_daemon_addr(c->ns));
    json_t *obj = run_json(c, args);
    double sent = num(obj, "sent");
    CHECK(sent > 0);
    CHECK((long long)sent % 8 == 0);
    CHECK(num(obj, "failed") == 0);
    expect_ordered_latencies(obj);
    json_decref(obj);
}

static void
test_e2e_json_receives_every_sent_message(void **state)
{
    cluster_t *c = *state;
    char args[1024];
    snprintf(args, sizeof(args), "e2e -n %s -t ItBenchE2E --duration 2 --mode async --json",
             rj_daemon_addr(c->ns));
    json_t *obj = run_json(c, args);
    double sent = num(obj, "sent");
    CHECK(sent > 0);
    CHECK(num(obj, "failed") == 0);
    CHECK(num(obj, "received") == sent);
    CHECK(num(obj, "missing") == 0);
    CHECK(num(obj, "recv_tps") > 0);
    expect_ordered_latencies(obj);
    CHECK(num(obj, "send_p50_ms") > 0);
    assert_string_equal(json_string_value(json_object_get(obj, "latency")), "e2e");
    json_decref(obj);
}

static void
test_new_topic_gets_the_asked_queue_count(void **state)
{
    cluster_t *c = *state;
    char args[1024];
    snprintf(args, sizeof(args),
             "produce -n %s -t ItBenchQueues --queues 3 --duration 1 --mode async --json",
             rj_daemon_addr(c->ns));
    json_t *obj = run_json(c, args);
    CHECK(num(obj, "topic_queues") == 3);
    CHECK(num(obj, "sent") > 0);
    json_decref(obj);
}

static void
test_e2e_on_a_used_topic_consumes_only_its_own_messages(void **state)
{
    cluster_t *c = *state;
    char args[1024];
    snprintf(args, sizeof(args), "produce -n %s -t ItBenchReuse --duration 1 --mode async --json",
             rj_daemon_addr(c->ns));
    json_t *first = run_json(c, args);
    CHECK(num(first, "sent") > 0);
    json_decref(first);
    /* A new group on that topic starts after the backlog, not at offset 0. */
    snprintf(args, sizeof(args), "e2e -n %s -t ItBenchReuse --duration 1 --mode async --json",
             rj_daemon_addr(c->ns));
    json_t *obj = run_json(c, args);
    CHECK(num(obj, "sent") > 0);
    CHECK(num(obj, "received") == num(obj, "sent"));
    CHECK(num(obj, "foreign") == 0);
    json_decref(obj);
}

static void
test_unreachable_name_server_exits_2_with_message(void **state)
{
    cluster_t *c = *state;
    rj_buf_t out = RJ_BUF_INIT;
    char args[256], err[16384];

    /* A port that was free a moment ago: nothing listens there. */
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(a);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    close(fd);
    snprintf(args, sizeof(args), "produce -n 127.0.0.1:%d --duration 1 --json", ntohs(a.sin_port));
    assert_int_equal(run_mqbench(c, args, &out), 2);
    assert_int_equal(out.len, 0); /* no JSON for a run that never started */
    read_stderr(c, err, sizeof(err));
    assert_non_null(strstr(err, "cannot reach name server 127.0.0.1:"));

    /* NAMESRV_ADDR is used when -n is absent. */
    snprintf(args, sizeof(args), "consume --duration 1");
    setenv("NAMESRV_ADDR", "127.0.0.1:1", 1);
    assert_int_equal(run_mqbench(c, args, &out), 2);
    unsetenv("NAMESRV_ADDR");
    read_stderr(c, err, sizeof(err));
    assert_non_null(strstr(err, "127.0.0.1:1"));
    rj_buf_cleanup(&out);
}

static void
test_bad_usage_exits_2_naming_the_problem(void **state)
{
    cluster_t *c = *state;
    rj_buf_t out = RJ_BUF_INIT;
    char err[16384];

    assert_int_equal(run_mqbench(c, "produce --mode fast", &out), 2);
    read_stderr(c, err, sizeof(err));
    assert_non_null(strstr(err, "fast"));
    assert_int_equal(run_mqbench(c, "consume --batch 4", &out), 2);
    read_stderr(c, err, sizeof(err));
    assert_non_null(strstr(err, "--batch"));
    assert_int_equal(run_mqbench(c, "e2e -h", &out), 0);
    assert_non_null(strstr((const char *)out.data, "--drain"));
    rj_buf_cleanup(&out);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_produce_json_reports_sends_latencies_and_broker_memory),
        cmocka_unit_test(test_async_batch_produce_counts_whole_batches),
        cmocka_unit_test(test_e2e_json_receives_every_sent_message),
        cmocka_unit_test(test_new_topic_gets_the_asked_queue_count),
        cmocka_unit_test(test_e2e_on_a_used_topic_consumes_only_its_own_messages),
        cmocka_unit_test(test_unreachable_name_server_exits_2_with_message),
        cmocka_unit_test(test_bad_usage_exits_2_naming_the_problem),
    };
    return cmocka_run_group_tests(tests, start_cluster, stop_cluster);
}
